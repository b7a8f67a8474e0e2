"""Render models: copies of a MetaWorld model with low-polygon Sawyer meshes, for drawing only.

Measured on the 2-core CPU (64x64, OSMesa/llvmpipe, CPU ms per frame): a robot frame costs ~10 ms, and
the Sawyer's 11 meshes (66.5k of the scene's 67.8k triangles) take ~8.6 of them (arm links ~4.7, the
hand ~3.9); the scene update and the readback take 0.06 ms, the other geoms ~1.8. At 64 px a link covers
a few hundred pixels, so quadric decimation to 10% of each robot mesh's faces cuts the frame to ~3 ms for
a mean absolute pixel difference of ~0.8 / 255 (docs/simulation.md).

The physics never sees the copy: `mjv_updateScene` reads the physics model and data, and only the
`MjrContext` (the meshes uploaded once as display lists) is built from the render model. Task objects
keep their meshes; decimated meshes are cached by content, since every task shares the Sawyer.
"""

from __future__ import annotations

import copy
import hashlib

import fast_simplification
import numpy as np
from scipy.spatial import cKDTree

from adapt2reward.envs.appearance import ARM_BODIES, HAND_BODIES
from adapt2reward.envs.gl import mujoco

KEEP_FRACTION = 0.1  # of a robot mesh's faces; 0.05 was ~10% faster but 40% further from the full look
# Decimation aggressiveness (fast-simplification's `agg`, default 7): 3 keeps the shapes closer (mean pixel
# difference to the full look 0.48 instead of 0.59 over 5 scenes) for 6% more faces; below 3 the target
# is not reached (agg 1: 32k faces).
AGGRESSIVENESS = 3.0
MIN_FACES = 300  # meshes at or below this many faces stay as they are
# Grid spacing of plane geoms in the render model: MetaWorld's 4x4 m floor has 0.1 m, 42x42 quads lit per
# vertex, ~0.6 ms of a frame; 0.2 m saves ~0.25 ms (13% of a human-look frame) and moves the floor's
# specular highlight by at most 2 / 255 (1.0 m lost the highlight: up to 25 / 255).
PLANE_GRID = 0.2
# Built-in cylinders and spheres (the hand's cylinder, distractors) in the render model: MetaWorld asks for
# 28 slices x 16 stacks, ~900 triangles each; 20 x 10 saves ~0.3 ms of a human-look frame (~17%) for a
# mean pixel difference of +0.04. Box subdivision (numquads 4) stays: at 2 the lit walls and table of the
# human look moved by ~1 / 255.
BUILTIN_SLICES, BUILTIN_STACKS = 20, 10

_Mesh = tuple[np.ndarray, np.ndarray, np.ndarray]  # vertices (n, 3), faces (k, 3), vertex normals (n, 3)
_decimated: dict[str, _Mesh] = {}


def robot_meshes(model: mujoco.MjModel) -> list[int]:
    """Ids of the meshes drawn by the Sawyer's arm and hand geoms."""
    robot = ARM_BODIES | HAND_BODIES
    ids = {
        int(model.geom_dataid[g])
        for g in range(model.ngeom)
        if model.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH and model.body(model.geom_bodyid[g]).name in robot
    }
    return sorted(i for i in ids if i >= 0)


def _mesh(model: mujoco.MjModel, i: int) -> _Mesh:
    """A mesh's vertices, faces and one normal per vertex (the mean of the normals its faces give it)."""
    va, fa, na = model.mesh_vertadr[i], model.mesh_faceadr[i], model.mesh_normaladr[i]
    vert = model.mesh_vert[va : va + model.mesh_vertnum[i]]
    face = model.mesh_face[fa : fa + model.mesh_facenum[i]]
    face_normals = model.mesh_normal[na + model.mesh_facenormal[fa : fa + model.mesh_facenum[i]]]
    normal = np.zeros_like(vert)
    np.add.at(normal, face.ravel(), face_normals.reshape(-1, 3))
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    return vert, face, normal


def decimate(vert: np.ndarray, face: np.ndarray, normal: np.ndarray, keep: float = KEEP_FRACTION) -> _Mesh:
    """Quadric decimation to `keep` of the faces (at least MIN_FACES); each new vertex takes the normal
    of the nearest original vertex, so smooth and sharp shading stay where they were."""
    target = max(MIN_FACES, int(keep * len(face)))
    new_vert, new_face = fast_simplification.simplify(
        vert.astype(np.float64), face, target_count=target, agg=AGGRESSIVENESS
    )
    _, nearest = cKDTree(vert).query(new_vert)
    return new_vert.astype(np.float32), new_face.astype(np.int32), normal[nearest]


def _decimated_mesh(model: mujoco.MjModel, i: int) -> _Mesh:
    vert, face, normal = _mesh(model, i)
    key = hashlib.blake2b(vert.tobytes() + face.tobytes() + normal.tobytes(), digest_size=16).hexdigest()
    if key not in _decimated:
        _decimated[key] = decimate(vert, face, normal)
    return _decimated[key]


def low_poly_model(model: mujoco.MjModel) -> mujoco.MjModel:
    """A copy of `model` whose robot meshes are decimated; `model` itself is left untouched.

    Each decimated mesh is written at the start of its own slots (it has fewer vertices and faces), with
    one normal per vertex; convex hulls are dropped from the copy (they are drawn only on request).
    Meshes with texture coordinates or at most MIN_FACES faces are kept as they are. Plane geoms get a
    coarser grid (PLANE_GRID) and built-in shapes fewer slices and stacks; sizes, poses, colours and
    texture mapping still come from the physics model.
    """
    render = copy.copy(model)
    quality = render.vis.quality
    quality.numslices = min(quality.numslices, BUILTIN_SLICES)
    quality.numstacks = min(quality.numstacks, BUILTIN_STACKS)
    planes = model.geom_type == mujoco.mjtGeom.mjGEOM_PLANE
    render.geom_size[planes, 2] = np.maximum(model.geom_size[planes, 2], PLANE_GRID)
    for i in robot_meshes(model):
        if model.mesh_facenum[i] <= MIN_FACES or model.mesh_texcoordadr[i] >= 0:
            continue
        vert, face, normal = _decimated_mesh(model, i)
        if len(vert) > model.mesh_normalnum[i]:  # the normals would not fit in the mesh's own slots
            continue
        va, fa, na = model.mesh_vertadr[i], model.mesh_faceadr[i], model.mesh_normaladr[i]
        render.mesh_vert[va : va + len(vert)] = vert
        render.mesh_normal[na : na + len(vert)] = normal
        render.mesh_face[fa : fa + len(face)] = face
        render.mesh_facenormal[fa : fa + len(face)] = face
        render.mesh_vertnum[i] = render.mesh_normalnum[i] = len(vert)
        render.mesh_facenum[i] = len(face)
        render.mesh_graphadr[i] = -1
    return render
