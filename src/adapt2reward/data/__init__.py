"""Dataset format, loaders and the simulated data generator."""

from adapt2reward.data.clip_io import ClipDecodeError, load_clip, read_video, save_clip, write_video
from adapt2reward.data.records import ClipRecord, ManifestError, read_manifest

__all__ = [
    "ClipDecodeError",
    "ClipRecord",
    "ManifestError",
    "load_clip",
    "read_manifest",
    "read_video",
    "save_clip",
    "write_video",
]
