"""Offscreen rendering of the posed body in a simple room (pyrender + OSMesa), and the camera model.

Set ``PYOPENGL_PLATFORM=osmesa`` before anything imports OpenGL (``render.py`` does it when unset).
Cameras are pinhole; ground truth uses the OpenCV convention (x right, y down, z forward).
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)


@dataclass
class Camera:
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    position: np.ndarray  # world, metres
    R_wc: np.ndarray  # world -> camera (OpenCV axes)

    @property
    def t_wc(self) -> np.ndarray:
        return -self.R_wc @ self.position

    def project(self, X: np.ndarray) -> np.ndarray:
        """(..., 3) world points -> (..., 3) pixel x, pixel y, depth (metres along the optical axis)."""
        Xc = X @ self.R_wc.T + self.t_wc
        z = Xc[..., 2]
        u = self.fx * Xc[..., 0] / z + self.cx
        v = self.fy * Xc[..., 1] / z + self.cy
        return np.stack([u, v, z], axis=-1)

    def gl_pose(self) -> np.ndarray:
        """Camera-to-world 4x4 in OpenGL axes (x right, y up, looking down -z), for pyrender."""
        R_cw_cv = self.R_wc.T
        R_cw_gl = R_cw_cv @ np.diag([1.0, -1.0, -1.0])
        P = np.eye(4)
        P[:3, :3] = R_cw_gl
        P[:3, 3] = self.position
        return P

    def to_json(self) -> dict:
        return {
            "model": "pinhole", "convention": "opencv (x right, y down, z forward); x_cam = R @ x_world + t",
            "fx": self.fx, "fy": self.fy, "cx": self.cx, "cy": self.cy,
            "K": [[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1]],
            "R": np.round(self.R_wc, 6).tolist(), "t": np.round(self.t_wc, 6).tolist(),
            "position": np.round(self.position, 4).tolist(),
        }

    @staticmethod
    def look_at(width, height, hfov_deg, position, target) -> "Camera":
        position = np.asarray(position, float)
        target = np.asarray(target, float)
        f = width / 2 / math.tan(math.radians(hfov_deg) / 2)
        z = target - position
        z /= np.linalg.norm(z)
        x = np.cross(z, [0, 0, 1.0])  # right = forward x up (z up world) ... pointing right
        x /= np.linalg.norm(x)
        y = np.cross(z, x)
        R = np.stack([x, y, z])
        return Camera(width, height, f, f, width / 2, height / 2, position, R)


@dataclass
class Look:
    """Colours and lights of one clip (0..1 RGB)."""

    skin: tuple = (0.87, 0.72, 0.62)
    hair: tuple = (0.75, 0.75, 0.75)
    top: tuple = (0.20, 0.35, 0.55)
    bottom: tuple = (0.15, 0.15, 0.18)
    feet: tuple | None = None  # None: bare feet (skin)
    long_sleeves: bool = False
    floor: tuple = (0.55, 0.45, 0.35)
    wall: tuple = (0.85, 0.84, 0.80)
    mat: tuple | None = (0.35, 0.55, 0.60)
    clutter: bool = True
    light_dir: tuple = (0.4, 0.5, -1.0)
    light_intensity: float = 3.0
    ambient: float = 0.35
    seed: int = 0
    props: list = field(default_factory=list)


SKINS = [(0.92, 0.78, 0.68), (0.87, 0.70, 0.58), (0.76, 0.58, 0.45), (0.60, 0.43, 0.32), (0.42, 0.29, 0.21)]
HAIRS = [(0.80, 0.80, 0.80), (0.65, 0.64, 0.62), (0.92, 0.91, 0.88), (0.35, 0.25, 0.18), (0.55, 0.45, 0.33)]
TOPS = [(0.20, 0.33, 0.55), (0.55, 0.20, 0.30), (0.25, 0.50, 0.45), (0.50, 0.45, 0.65), (0.85, 0.85, 0.82),
        (0.30, 0.30, 0.32), (0.80, 0.50, 0.35)]
BOTTOMS = [(0.12, 0.12, 0.15), (0.35, 0.35, 0.38), (0.15, 0.20, 0.35), (0.40, 0.33, 0.28)]
FLOORS = [(0.55, 0.42, 0.30), (0.62, 0.55, 0.45), (0.45, 0.45, 0.47), (0.70, 0.64, 0.55)]
WALLS = [(0.86, 0.85, 0.80), (0.80, 0.84, 0.86), (0.88, 0.82, 0.72), (0.75, 0.78, 0.72)]
MATS = [(0.35, 0.55, 0.60), (0.55, 0.35, 0.50), (0.30, 0.35, 0.55), (0.45, 0.55, 0.35)]


def random_look(rng: np.random.Generator, floor_exercise: bool) -> Look:
    pick = lambda xs: tuple(xs[int(rng.integers(len(xs)))])  # noqa: E731
    th = rng.uniform(0, 2 * math.pi)
    return Look(skin=pick(SKINS), hair=pick(HAIRS), top=pick(TOPS), bottom=pick(BOTTOMS),
                feet=None if rng.random() < 0.6 else (0.9, 0.9, 0.9), long_sleeves=bool(rng.random() < 0.5),
                floor=pick(FLOORS), wall=pick(WALLS), mat=pick(MATS) if floor_exercise else None,
                clutter=bool(rng.random() < 0.6),
                light_dir=(math.cos(th) * 0.6, math.sin(th) * 0.6, -1.0),
                light_intensity=float(rng.uniform(2.2, 4.0)), ambient=float(rng.uniform(0.25, 0.45)),
                seed=int(rng.integers(1 << 30)))


def vertex_colors(regions: np.ndarray, look: Look) -> np.ndarray:
    col = {
        "skin": look.skin, "head": look.skin, "hand": look.skin, "hair": look.hair,
        "eye": (0.25, 0.20, 0.18), "torso": look.top, "upperarm": look.top,
        "forearm": look.top if look.long_sleeves else look.skin,
        "thigh": look.bottom, "shin": look.bottom, "foot": look.feet or look.skin,
    }
    c = np.array([col.get(r, look.top) for r in regions], dtype=np.float64)
    return np.concatenate([np.clip(c, 0, 1), np.ones((len(c), 1))], axis=1)


class Renderer:
    """A pyrender scene with a room; ``render(vertices)`` returns an RGB uint8 frame."""

    def __init__(self, cam: Camera, faces: np.ndarray, colors: np.ndarray, look: Look, props: list):
        os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
        import pyrender
        import trimesh

        self._pyrender, self._trimesh = pyrender, trimesh
        self.faces = faces
        self.colors = colors
        self.scene = pyrender.Scene(bg_color=[*look.wall, 1.0], ambient_light=[look.ambient] * 3)
        for mesh in props:
            self.scene.add(pyrender.Mesh.from_trimesh(mesh, smooth=False))
        pc = pyrender.IntrinsicsCamera(cam.fx, cam.fy, cam.cx, cam.cy, znear=0.05, zfar=30.0)
        self.scene.add(pc, pose=cam.gl_pose())
        d = np.asarray(look.light_dir, float)
        d /= np.linalg.norm(d)
        z = -d
        x = np.cross([0, 0, 1.0], z)
        if np.linalg.norm(x) < 1e-6:
            x = np.array([1.0, 0, 0])
        x /= np.linalg.norm(x)
        y = np.cross(z, x)
        L = np.eye(4)
        L[:3, :3] = np.stack([x, y, z], axis=1)
        self.scene.add(pyrender.DirectionalLight(color=[1.0, 0.97, 0.92], intensity=look.light_intensity), pose=L)
        # a fill light from the camera side
        self.scene.add(pyrender.DirectionalLight(color=[1.0, 1.0, 1.0], intensity=look.light_intensity * 0.35),
                       pose=cam.gl_pose())
        self.r = pyrender.OffscreenRenderer(cam.width, cam.height)
        _reuse_programs(self.r)
        self.node = None

    def render(self, vertices: np.ndarray) -> np.ndarray:
        tm = self._trimesh.Trimesh(vertices=vertices, faces=self.faces, vertex_colors=self.colors, process=False)
        mesh = self._pyrender.Mesh.from_trimesh(tm, smooth=True)
        if self.node is not None:
            self.scene.remove_node(self.node)
        self.node = self.scene.add(mesh)
        rgb, _ = self.r.render(self.scene)
        return np.ascontiguousarray(rgb[:, :, :3])

    def close(self):
        self.r.delete()


def _reuse_programs(offscreen) -> None:
    """Keep pyrender's shader programs across frames. Its cache keys programs on the current OpenGL context
    object, and under OSMesa that is a new ctypes pointer object on every call: every primitive's program was
    compiled again on every frame (5 compiles a frame, ~10% of the renderer's time). One renderer has one
    context, so key on the shaders and defines alone. Pixels are unchanged (same shaders, same defines)."""
    inner = getattr(offscreen, "_renderer", None)
    cache = getattr(inner, "_program_cache", None)
    if cache is None or getattr(cache, "_backform_reuse", False):
        return
    original = cache.get_program
    programs: dict = {}

    def get_program(vertex_shader, fragment_shader, geometry_shader=None, defines=None):
        key = (vertex_shader, fragment_shader, geometry_shader, tuple(sorted((defines or {}).items())))
        prog = programs.get(key)
        if prog is None:
            prog = programs[key] = original(vertex_shader, fragment_shader, geometry_shader, defines)
        return prog
    cache.get_program = get_program
    cache._backform_reuse = True


def room_props(look: Look, exercise: str, body_center: np.ndarray, cam: Camera, wall_x: float | None,
               pillow: tuple | None) -> list:
    """Floor, back wall, mat, pillow, wall-slide wall and some clutter, as trimesh meshes."""
    import trimesh

    rng = np.random.default_rng(look.seed)

    def box(extents, center, color):
        m = trimesh.creation.box(extents=extents)
        m.apply_translation(center)
        m.visual.vertex_colors = np.tile(np.r_[np.array(color) * 255, 255].astype(np.uint8), (len(m.vertices), 1))
        return m

    props = []
    # camera looks roughly along +y or -y: the back wall stands behind the body, opposite the camera
    side = -np.sign(cam.position[1] - body_center[1]) or 1.0
    back_y = body_center[1] + side * rng.uniform(1.2, 2.0)
    props.append(box((14, 14, 0.02), (body_center[0], body_center[1], -0.01), look.floor))
    props.append(box((14, 0.05, 6), (body_center[0], back_y + side * 0.025, 3.0), look.wall))
    # a side wall far away across the view
    if look.mat is not None:
        props.append(box((1.9, 0.62, 0.008), (body_center[0], body_center[1], 0.004), look.mat))
    if pillow is not None:
        cx, cy, length, width, h = pillow
        m = trimesh.creation.capsule(height=width - h, radius=h / 2, count=[16, 16])
        m.apply_transform(trimesh.transformations.rotation_matrix(math.pi / 2, [1, 0, 0]))
        m.apply_scale([length / h, 1.0, 1.0])
        m.apply_translation((cx, cy, h / 2))
        m.visual.vertex_colors = np.tile(np.array([235, 232, 225, 255], np.uint8), (len(m.vertices), 1))
        props.append(m)
    if wall_x is not None:
        props.append(box((0.06, 4.0, 3.0), (wall_x - 0.03, body_center[1], 1.5), tuple(0.9 * np.array(look.wall))))
        props.append(box((0.02, 4.0, 0.1), (wall_x + 0.01, body_center[1], 0.05), (0.95, 0.95, 0.93)))
    if look.clutter:
        for _ in range(int(rng.integers(2, 5))):
            w, d, h = rng.uniform(0.3, 1.2), rng.uniform(0.3, 0.6), rng.uniform(0.3, 1.4)
            x = body_center[0] + rng.uniform(-3.0, 3.0)
            col = tuple(rng.uniform(0.2, 0.8, 3))
            props.append(box((w, d, h), (x, back_y - side * (d / 2 + 0.02), h / 2), col))
        # a plant pot and a picture frame
        props.append(box((0.8, 0.03, 0.55), (body_center[0] + rng.uniform(-1.5, 1.5), back_y - side * 0.02,
                                             rng.uniform(1.4, 1.8)), tuple(rng.uniform(0.1, 0.9, 3))))
    return props
