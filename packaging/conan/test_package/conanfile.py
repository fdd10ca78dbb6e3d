"""Conan 2 test_package of trocco-cpp: builds and runs a program on each component through CMakeDeps.

    conan create . -tf packaging/conan/test_package
"""

import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout


class TroccoCppTestConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "CMakeToolchain"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def build(self):
        cmake = CMake(self)
        cmake.configure(variables={
            "TROCCO_WITH_ASIO": bool(self.dependencies["trocco-cpp"].options.with_asio),
            "TROCCO_WITH_CURL": bool(self.dependencies["trocco-cpp"].options.with_curl),
        })
        cmake.build()

    def test(self):
        if can_run(self):
            for program in ("test_core", "test_asio", "test_curl"):
                path = os.path.join(self.cpp.build.bindir, program)
                if os.path.exists(path):
                    self.run(path, env="conanrun")
