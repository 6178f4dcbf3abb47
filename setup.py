"""Build every .pyx under hft/ as its own extension module.

Global directives follow STYLE.md: language_level=3, embedsignature, -O2. Hot modules set
boundscheck/wraparound themselves in their first line, so the choice is visible in the file.

Environment switches for development:
  HFT_BUILD_ONLY=hft.core.ring,hft.core.stats   compile only modules whose name starts so
  HFT_ANNOTATE=1                                write the cython -a HTML next to each .pyx
  HFT_NO_EXTENSIONS=1                           build none (the Makefile's editable install:
                                                its `build_ext --inplace` builds them once)
"""

import os
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

ROOT = Path(__file__).parent
INCLUDE_DIRS = [str(ROOT / "hft" / "core" / "include"), np.get_include()]
COMPILE_ARGS = ["-O2", "-std=gnu11", "-Wno-unused-function"]


def _module_name(pyx: Path) -> str:
    return ".".join(pyx.relative_to(ROOT).with_suffix("").parts)


def _extensions() -> list[Extension]:
    if os.environ.get("HFT_NO_EXTENSIONS") == "1":
        return []
    only = [p for p in os.environ.get("HFT_BUILD_ONLY", "").split(",") if p]
    exts = []
    for pyx in sorted((ROOT / "hft").rglob("*.pyx")):
        name = _module_name(pyx)
        if only and not any(name.startswith(p) for p in only):
            continue
        exts.append(
            Extension(
                name,
                [str(pyx.relative_to(ROOT))],
                include_dirs=INCLUDE_DIRS,
                extra_compile_args=COMPILE_ARGS,
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            )
        )
    return exts


setup(
    ext_modules=cythonize(
        _extensions(),
        compiler_directives={"language_level": 3, "embedsignature": True},
        include_path=[str(ROOT)],
        annotate=bool(os.environ.get("HFT_ANNOTATE")),
        nthreads=int(os.environ.get("HFT_BUILD_JOBS", "2")),
    ),
    zip_safe=False,
)
