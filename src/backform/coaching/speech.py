"""Saying it: voices and the :class:`Speaker` (what to say is :mod:`.coach`'s job).

:class:`Speaker` says utterances one at a time on a worker thread, newest-first: stale ones are dropped
rather than queued (a cue about a rep that ended 5 s ago is noise). Voices, tried in order:
``pyttsx3`` (espeak-ng on Linux, SAPI5 on Windows; on macOS the ``say`` program comes first), the
``espeak-ng``/``espeak`` program, then tones (a beep pattern per kind of message), then nothing. Every voice can
render to a WAV file (:func:`render_wav`), which is how the tests check speech is not silent.

On Linux pyttsx3 itself plays through ``aplay``; where that is missing the utterance is rendered to a WAV
file and played with whichever player exists (``paplay``, ``aplay``, sox's ``play``, ``ffplay``).
"""
from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .coach import Utterance

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
VOICES = ("auto", "pyttsx3", "espeak", "tones", "none")


def find_player() -> list[str] | None:
    """A command that plays a WAV file given as its last argument, or None."""
    system = platform.system()
    if system == "Darwin" and shutil.which("afplay"):
        return ["afplay"]
    for cmd in (["paplay"], ["aplay", "-q"], ["play", "-q"], ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"]):
        if shutil.which(cmd[0]):
            return cmd
    return None


def play_wav(path: str | os.PathLike, player: list[str] | None = None, timeout_s: float = 15.0) -> bool:
    """Play a WAV file (blocking); False when no player exists or it failed (no sound device)."""
    if platform.system() == "Windows":
        try:
            import winsound
            winsound.PlaySound(str(path), winsound.SND_FILENAME)
            return True
        except Exception as e:  # noqa: BLE001
            log.debug("winsound failed: %s", e)
            return False
    player = player or find_player()
    if not player:
        return False
    try:
        r = subprocess.run([*player, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=timeout_s)
        return r.returncode == 0
    except (OSError, subprocess.SubprocessError) as e:
        log.debug("player %s failed: %s", player, e)
        return False


def _espeak_program() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


def write_wav(path: str | os.PathLike, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    path = Path(path)
    pcm = np.clip(samples, -1.0, 1.0)
    pcm = (pcm * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def tone(freqs, dur_s: float = 0.12, gap_s: float = 0.06, rate: int = SAMPLE_RATE, volume: float = 0.5) -> np.ndarray:
    """A sequence of sine beeps (5 ms fade in/out each)."""
    parts = []
    n = int(dur_s * rate)
    fade = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.005 * rate))
    for f in freqs:
        t = np.arange(n) / rate
        parts.append(volume * np.sin(2 * np.pi * f * t) * fade)
        parts.append(np.zeros(int(gap_s * rate)))
    return np.concatenate(parts) if parts else np.zeros(1)


# a beep pattern per kind of message (used when there is no voice)
TONES = {"hold": (660, 880), "count": (880,), "lower": (880, 660, 440), "rep": (523, 784), "set_done": (523, 659, 784, 1047),
         "fault": (300, 300), "setup": (440, 330), "ready": (523, 659), "status": (600,)}


class Voice:
    """Says text (blocking) and renders it to a WAV file."""

    name = "none"

    def speak(self, text: str, kind: str = "status") -> None:
        pass

    def render(self, text: str, path: str | os.PathLike, kind: str = "status") -> Path:
        return write_wav(path, np.zeros(int(0.2 * SAMPLE_RATE)))

    def close(self) -> None:
        pass


class ToneVoice(Voice):
    name = "tones"

    def __init__(self, player: list[str] | None = None):
        self.player = player or find_player()
        self._dir = tempfile.mkdtemp(prefix="backform-tones-")

    def render(self, text, path, kind="status"):
        return write_wav(path, tone(TONES.get(kind, (600,))))

    def speak(self, text, kind="status"):
        p = Path(self._dir) / f"{kind}.wav"
        if not p.exists():
            self.render(text, p, kind)
        play_wav(p, self.player)

    def close(self):
        shutil.rmtree(self._dir, ignore_errors=True)


class EspeakVoice(Voice):
    """The ``espeak-ng`` (or ``espeak``) program: speaks through its own audio output; ``-w`` writes a WAV."""

    name = "espeak"

    def __init__(self, rate_wpm: int = 150, voice: str = "en"):
        self.prog = _espeak_program()
        if not self.prog:
            raise RuntimeError("espeak-ng is not installed")
        self.args = ["-s", str(rate_wpm), "-v", voice]

    def speak(self, text, kind="status"):
        subprocess.run([self.prog, *self.args, text], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)

    def render(self, text, path, kind="status"):
        subprocess.run([self.prog, *self.args, "-w", str(path), text], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20, check=True)
        return Path(path)


class MacSayVoice(Voice):
    """macOS's ``say`` program (the system voices, offline); ``-o`` writes a WAV file."""

    name = "say"

    def __init__(self, rate_wpm: int = 170):
        if platform.system() != "Darwin" or not shutil.which("say"):
            raise RuntimeError("the say program is macOS only")
        self.args = ["-r", str(rate_wpm)]

    def speak(self, text, kind="status"):
        subprocess.run(["say", *self.args, text], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)

    def render(self, text, path, kind="status"):
        subprocess.run(["say", *self.args, "--file-format=WAVE", "--data-format=LEI16@22050", "-o", str(path), text],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20, check=True)
        return Path(path)


class Pyttsx3Voice(Voice):
    """pyttsx3: espeak-ng on Linux, NSSpeechSynthesizer/AVSpeech on macOS, SAPI5 on Windows.

    pyttsx3 engines are not thread-safe: create and use one on the same thread (the Speaker's worker)."""

    name = "pyttsx3"

    def __init__(self, rate_wpm: int = 150):
        import pyttsx3  # optional dependency: the "speech" extra
        if platform.system() == "Windows":  # SAPI5 is COM: initialise it on this (the speech) thread
            try:
                import comtypes
                comtypes.CoInitialize()
            except Exception as e:  # noqa: BLE001
                log.debug("CoInitialize: %s", e)
        with contextlib.redirect_stdout(io.StringIO()):
            self.engine = pyttsx3.init()
        self.engine.setProperty("rate", rate_wpm)
        # pyttsx3's espeak driver plays through `aplay`; without it, render and play ourselves
        self.linux = platform.system() == "Linux"
        self.direct = not self.linux or bool(shutil.which("aplay"))
        self.player = None if self.direct else find_player()
        self._dir = tempfile.mkdtemp(prefix="backform-speech-")

    def speak(self, text, kind="status"):
        if self.direct:
            with contextlib.redirect_stdout(io.StringIO()):
                self.engine.say(text)
                self.engine.runAndWait()
        else:
            p = Path(self._dir) / "say.wav"
            self.render(text, p)
            play_wav(p, self.player)

    def render(self, text, path, kind="status"):
        with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to ..."
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
        return Path(path)

    def close(self):
        shutil.rmtree(self._dir, ignore_errors=True)


def make_voice(kind: str = "auto") -> Voice:
    """The first voice of ``kind`` ("auto": pyttsx3, espeak, tones) that can be created here."""
    if kind not in VOICES:
        raise ValueError(f"unknown voice {kind!r}; choose one of {', '.join(VOICES)}")
    # macOS: the say program first (pyttsx3's NSSpeechSynthesizer driver wants the main thread's run loop)
    auto = ["say", "pyttsx3", "espeak", "tones"] if platform.system() == "Darwin" else ["pyttsx3", "espeak", "tones"]
    order = {"auto": auto, "pyttsx3": ["pyttsx3"], "espeak": ["espeak"], "tones": ["tones"], "none": []}[kind]
    for k in order:
        try:
            if k == "say":
                return MacSayVoice()
            if k == "pyttsx3":
                return Pyttsx3Voice()
            if k == "espeak":
                return EspeakVoice()
            if k == "tones":
                return ToneVoice()
        except Exception as e:  # noqa: BLE001 - a missing engine is a normal condition, try the next one
            log.info("voice %s unavailable: %s", k, e)
    if kind not in ("auto", "none"):
        raise RuntimeError(f"voice {kind!r} is not available on this machine")
    return Voice()


def render_wav(text: str, path: str | os.PathLike, voice: str = "auto", kind: str = "status") -> Path:
    """Render ``text`` with ``voice`` to a WAV file (the testable half of speaking)."""
    v = make_voice(voice)
    try:
        return v.render(text, path, kind)
    finally:
        v.close()


def wav_level(path: str | os.PathLike) -> dict:
    """Duration, RMS and peak (dBFS) of a 16-bit WAV file."""
    with wave.open(str(path), "rb") as w:
        n, rate, width, ch = w.getnframes(), w.getframerate(), w.getsampwidth(), w.getnchannels()
        raw = w.readframes(n)
    if width != 2:
        raise ValueError(f"{path}: {8 * width}-bit WAV, expected 16-bit")
    a = np.frombuffer(raw, "<i2").astype(np.float64) / 32768.0
    if ch > 1:
        a = a.reshape(-1, ch).mean(axis=1)
    rms = float(np.sqrt(np.mean(a ** 2))) if a.size else 0.0
    peak = float(np.abs(a).max()) if a.size else 0.0
    db = lambda v: 20 * math.log10(v) if v > 0 else -math.inf  # noqa: E731
    return {"duration_s": n / rate if rate else 0.0, "rms_dbfs": db(rms), "peak_dbfs": db(peak),
            "voiced_s": float((np.abs(a) > 0.02).sum() / rate) if rate else 0.0}


@dataclass
class SpeakerStats:
    said: list = field(default_factory=list)      # (Utterance, wall-clock delay from enqueue to start)
    dropped: list = field(default_factory=list)   # Utterances replaced or stale before they were said


class Speaker:
    """Says utterances one at a time on a daemon thread. ``say`` never blocks.

    Pending utterances: at most a few; a new one replaces pending ones of lower priority, pending counts are
    replaced by newer counts, and anything pending longer than ``max_age_s`` is dropped unsaid."""

    def __init__(self, voice="auto", muted: bool = False, max_age_s: float = 2.5, max_pending: int = 3):
        """``voice``: a name for :func:`make_voice`, or a callable returning a :class:`Voice` (made on the
        worker thread, where it is used)."""
        self.voice_kind = voice
        self.muted = muted
        self.max_age_s = max_age_s
        self.max_pending = max_pending
        self.stats = SpeakerStats()
        self.voice_name = "none"
        self._pending: list[tuple[float, Utterance]] = []
        self._cv = threading.Condition()
        self._closed = False
        self._speaking = False
        self._ready = threading.Event()
        self._th = threading.Thread(target=self._run, name="speech", daemon=True)
        self._th.start()

    def toggle_mute(self) -> bool:
        with self._cv:
            self.muted = not self.muted
            if self.muted:
                self._pending.clear()
        return self.muted

    def say(self, u: Utterance) -> None:
        with self._cv:
            if self.muted or self._closed:
                return
            now = time.monotonic()
            keep = []
            for t, p in self._pending:
                if p.priority < u.priority or (p.kind == "count" and u.kind in ("count", "lower")) \
                        or now - t > self.max_age_s:
                    self.stats.dropped.append(p)
                else:
                    keep.append((t, p))
            keep.append((now, u))
            while len(keep) > self.max_pending:
                self.stats.dropped.append(keep.pop(0)[1])
            self._pending = keep
            self._cv.notify()

    def _run(self) -> None:
        voice = None
        try:
            voice = self.voice_kind() if callable(self.voice_kind) else make_voice(self.voice_kind)
        except Exception as e:  # noqa: BLE001
            log.warning("no voice: %s", e)
            voice = Voice()
        self.voice_name = voice.name
        self._ready.set()
        try:
            while True:
                with self._cv:
                    while not self._pending and not self._closed:
                        self._cv.wait(0.5)
                    if self._closed:
                        return
                    # highest priority first, then oldest
                    self._pending.sort(key=lambda tp: (-tp[1].priority, tp[0]))
                    t, u = self._pending.pop(0)
                    self._speaking = True
                delay = time.monotonic() - t
                if delay > self.max_age_s:
                    self.stats.dropped.append(u)
                    self._speaking = False
                    continue
                self.stats.said.append((u, delay))
                try:
                    voice.speak(u.text, u.kind)
                except Exception as e:  # noqa: BLE001 - a sound failure must never stop the session
                    log.warning("speech failed (%s): %s", voice.name, e)
                finally:
                    self._speaking = False
        finally:
            voice.close()

    def wait_ready(self, timeout_s: float = 5.0) -> bool:
        return self._ready.wait(timeout_s)

    def close(self, timeout_s: float = 2.0, drain_s: float = 0.0) -> None:
        """Stop the worker; with ``drain_s`` first let it say what is pending for up to that long."""
        end = time.monotonic() + drain_s
        while drain_s > 0 and time.monotonic() < end:
            with self._cv:
                if not self._pending and not self._speaking:
                    break
            time.sleep(0.05)
        with self._cv:
            self._closed = True
            self._pending.clear()
            self._cv.notify_all()
        self._th.join(timeout_s)  # a voice still speaking is a daemon thread: never wait on it for long
