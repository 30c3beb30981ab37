"""The compiled parts: BM25Scorer.top_k's inner loop (knowledge/_topk.c), the terms a question's
candidates hold (knowledge/_rows.c) and their filters, features and bounds
(knowledge/_candidates.c), plain C against the CPython API and one shared header of their own
(knowledge/_buffer.h).
Everything else is in pyproject.toml. Where no C compiler is found the build goes on without them
and the NumPy paths are used (same results, slower)."""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler: the pure NumPy path still works
            print(f"warning: knowledge's C parts not built ({exc}); using the NumPy paths")

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            print(f"warning: {ext.name} not built ({exc}); using the NumPy path")


setup(
    ext_modules=[
        Extension("knowledge._topk", ["knowledge/_topk.c"], depends=["knowledge/_buffer.h"],
                  extra_compile_args=["-O3"]),
        Extension("knowledge._rows", ["knowledge/_rows.c"], depends=["knowledge/_buffer.h"],
                  extra_compile_args=["-O3", "-ffp-contract=off"]),
        # exact floats: no multiply-add fused where the Python path rounds twice
        Extension(
            "knowledge._candidates",
            ["knowledge/_candidates.c"],
            depends=["knowledge/_buffer.h"],
            extra_compile_args=["-O3", "-ffp-contract=off"],
        ),
    ],
    cmdclass={"build_ext": OptionalBuildExt},
)
