"""The anny parametric body: phenotype, posing a batch of postures, BlazePose-33 landmarks from the mesh.

Needs the ``synth`` extra (torch, anny). The first ``anny.Anny()`` builds a ~790 MB cache in
``~/.cache/anny`` (about 2-5 minutes); later loads take about a second.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from ..pose.landmarks import NAMES
from .rig import Rig

log = logging.getLogger(__name__)

_MODEL = None


def load_model():
    """The shared anny model (loaded once per process)."""
    global _MODEL
    if _MODEL is None:
        try:
            import anny  # noqa: F401
            import torch  # noqa: F401
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError(
                "backform synth needs the 'synth' extra: pip install torch==2.13.0 (CPU) then "
                "pip install 'backform[synth]' (see sample_videos/README.md)") from e
        import anny
        log.info("loading the anny body model (first use builds ~/.cache/anny, a few minutes)")
        _MODEL = anny.Anny()
        _MODEL.eval()
    return _MODEL


@dataclass
class BodySpec:
    """Phenotype in anny's 0..1 units (MakeHuman: gender 0 = female; age 0.5 = 25 y, 1.0 = 90 y)."""

    gender: float = 0.05
    age: float = 0.80
    muscle: float = 0.40
    weight: float = 0.60
    height: float = 0.40
    proportions: float = 0.50
    label: str = "woman, about 64"

    def kwargs(self) -> dict:
        return dict(gender=self.gender, age=self.age, muscle=self.muscle, weight=self.weight,
                    height=self.height, proportions=self.proportions)

    @staticmethod
    def years(age: float) -> float:
        """MakeHuman age slider to years (0.5 = 25 y, 1.0 = 90 y; below 0.5 not used here)."""
        return 25.0 + (age - 0.5) / 0.5 * 65.0


# BlazePose names that come straight from anny's COCO regressor (name in ours -> name in anny's)
_COCO = {
    "nose": "nose", "left_eye": "left_eye", "right_eye": "right_eye", "left_ear": "left_ear",
    "right_ear": "right_ear", "left_shoulder": "left_shoulder", "right_shoulder": "right_shoulder",
    "left_elbow": "left_elbow", "right_elbow": "right_elbow", "left_wrist": "left_wrist",
    "right_wrist": "right_wrist", "left_hip": "left_hip", "right_hip": "right_hip", "left_knee": "left_knee",
    "right_knee": "right_knee", "left_ankle": "left_ankle", "right_ankle": "right_ankle",
    "left_heel": "left_heel", "right_heel": "right_heel", "left_foot_index": "left_big_toe",
    "right_foot_index": "right_big_toe",
}
# hand landmarks: bone heads (BlazePose: pinky and index knuckles, thumb)
_BONES = {"left_pinky": "finger5-1.L", "right_pinky": "finger5-1.R", "left_index": "finger2-1.L",
          "right_index": "finger2-1.R", "left_thumb": "finger1-2.L", "right_thumb": "finger1-2.R"}

# clothing regions by the vertex's dominant bone
_REGION_PREFIX = [
    ("hair", ()),  # filled by geometry
    ("eye", ("eye.",)),
    ("hand", ("wrist", "finger", "metacarpal")),
    ("foot", ("foot", "toe")),
    ("forearm", ("lowerarm",)),
    ("upperarm", ("upperarm", "shoulder01", "clavicle")),
    ("head", ("neck", "head")),
    ("shin", ("lowerleg",)),
    ("thigh", ("upperleg",)),
    ("torso", ("spine", "root", "pelvis")),
]


@dataclass
class Body:
    spec: BodySpec
    rig: Rig
    faces: np.ndarray
    rest_vertices: np.ndarray
    regions: np.ndarray  # (V,) region name per vertex
    surface_vertices: dict[str, int]  # extra landmark -> vertex index
    front_depth: float
    coco_labels: list[str] = field(default_factory=list)
    _reg: object = None

    @classmethod
    def create(cls, spec: BodySpec) -> "Body":
        import anny
        import torch

        m = load_model()
        with torch.no_grad():
            out = m(phenotype_kwargs=spec.kwargs())
        # bone heads at the identity pose ("rest_bone_heads" is a different, pre-pose quantity)
        rest_heads = out["bone_poses"][0, :, :3, 3].numpy().astype(np.float64)
        rig = Rig(list(m.bone_labels), np.asarray(m.bone_parents, dtype=int), rest_heads)
        verts = out["vertices"][0].numpy().astype(np.float64)
        faces = np.asarray(m.get_triangular_faces().numpy(), dtype=np.int64)
        # dominant bone per vertex
        idx = m.vertex_bone_indices.numpy()
        w = m.vertex_bone_weights.numpy()
        dom = idx[np.arange(len(idx)), np.argmax(w, axis=1)]
        regions = np.empty(len(verts), dtype=object)
        regions[:] = "torso"
        labels = rig.labels
        for i, b in enumerate(dom):
            name = labels[int(b)]
            for reg, prefixes in _REGION_PREFIX:
                if any(name.startswith(p) for p in prefixes):
                    regions[i] = reg
                    break
        # hair: head vertices above the eyes and behind the face
        eye = 0.5 * (rig.head("eye.L") + rig.head("eye.R"))
        headv = regions == "head"
        hair = headv & (verts[:, 2] > eye[2] + 0.025) | headv & (verts[:, 2] > eye[2] - 0.03) & (verts[:, 1] > eye[1] + 0.09)
        regions[hair] = "hair"
        reg = anny.KeypointsRegressor.coco(m)
        # extra face landmarks: nearest skin vertices to anatomical targets at rest
        with torch.no_grad():
            kp = reg(out)[0].numpy()
        kl = list(reg.labels)
        nose = kp[kl.index("nose")]
        skin = np.where((regions == "head"))[0]
        targets = {}
        for s, sign in (("left", 1.0), ("right", -1.0)):
            e = kp[kl.index(f"{s}_eye")]
            targets[f"{s}_eye_inner"] = e + np.array([-sign * 0.016, 0.004, 0.0])
            targets[f"{s}_eye_outer"] = e + np.array([sign * 0.019, 0.010, 0.0])
            targets[f"mouth_{s}"] = nose + np.array([sign * 0.024, 0.020, -0.045])
        surf = {}
        for k, t in targets.items():
            d = np.linalg.norm(verts[skin] - t, axis=1)
            surf[k] = int(skin[np.argmin(d)])
        belly = (np.abs(verts[:, 0]) < 0.12) & (verts[:, 2] > -0.06) & (verts[:, 2] < 0.15)
        front_depth = float(-verts[belly, 1].min())
        return cls(spec, rig, faces, verts, regions, surf, front_depth, kl, reg)

    def pose_batch(self, D: np.ndarray, chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """Vertices (F,V,3) and bone heads (F,B,3) for per-frame deltas ``D`` (F,B,3,3), root at origin."""
        import torch

        m = load_model()
        vs, hs = [], []
        for i in range(0, len(D), chunk):
            d = D[i:i + chunk]
            T = np.tile(np.eye(4), (len(d), d.shape[1], 1, 1))
            T[:, :, :3, :3] = d
            with torch.no_grad():
                out = m(pose_parameters=torch.tensor(T, dtype=m.dtype),
                        phenotype_kwargs={k: torch.full((len(d),), v, dtype=m.dtype)
                                          for k, v in self.spec.kwargs().items()})
            v = out["vertices"].numpy().astype(np.float64)
            h = out["bone_poses"][:, :, :3, 3].numpy().astype(np.float64)
            vs.append(v)
            hs.append(h)
        return np.concatenate(vs), np.concatenate(hs)

    def landmarks(self, vertices: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """BlazePose-33 3D landmarks (F,33,3) from posed vertices and bone heads (same frame)."""
        import torch

        with torch.no_grad():
            kp = self._reg({"vertices": torch.tensor(vertices)}).numpy()
        out = np.full((len(vertices), len(NAMES), 3), np.nan)
        kl = self.coco_labels
        for j, name in enumerate(NAMES):
            if name in _COCO:
                out[:, j] = kp[:, kl.index(_COCO[name])]
            elif name in _BONES:
                out[:, j] = heads[:, self.rig.index[_BONES[name]]]
            elif name in self.surface_vertices:
                out[:, j] = vertices[:, self.surface_vertices[name]]
        return out
