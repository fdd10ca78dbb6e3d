"""Conan 2 recipe for trocco-cpp: a header-only library with three components.

    conan create . -o "trocco-cpp/*:with_asio=True" -o "trocco-cpp/*:with_curl=True"

Components and their CMake targets (the names of the CMake package that `meson install` installs, so that a
CMakeLists.txt works unchanged with either):
    core  trocco::trocco   requires nlohmann_json
    asio  trocco::asio     requires core, Boost headers, OpenSSL, threads   (option with_asio)
    curl  trocco::curl     requires core, libcurl, threads                  (option with_curl)
The version is read from include/trocco/version.hpp, the one place it lives. The separately compiled mode
(TROCCO_SEPARATE_COMPILATION) is not packaged here: build it with Meson (docs/install.md).
"""

import os
import re

from conan import ConanFile
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout

# The facts scripts/check-conan-recipe compares with the installed CMake package (packaging/troccoConfig.cmake.in).
COMPONENT_TARGETS = {"core": "trocco::trocco", "asio": "trocco::asio", "curl": "trocco::curl"}


class TroccoCppConan(ConanFile):
    name = "trocco-cpp"
    description = "C++20 client for the trocco API: start transfer jobs and workflows and wait for them"
    license = "MIT"
    topics = ("trocco", "etl", "http", "coroutines", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_asio": [True, False], "with_curl": [True, False]}
    # The adapter needs Boost's headers only (Asio, Beast): no Boost library is built for it.
    default_options = {"with_asio": True, "with_curl": True, "boost/*:header_only": True}
    exports_sources = (
        "include/*",
        "adapters/asio/include/*",
        "adapters/curl/include/*",
        "LICENSE",
    )
    no_copy_source = True

    def set_version(self):
        text = load(self, os.path.join(self.recipe_folder, "include", "trocco", "version.hpp"))
        self.version = re.search(r'#define TROCCO_VERSION_STRING "([^"]+)"', text).group(1)

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        self.requires("nlohmann_json/3.11.2")
        if self.options.with_asio:
            self.requires("boost/1.83.0")
            self.requires("openssl/[>=1.1.1 <4]")
        if self.options.with_curl:
            self.requires("libcurl/[>=7.80.0 <9]")

    def validate(self):
        from conan.tools.build import check_min_cppstd

        check_min_cppstd(self, 20)

    def package_id(self):
        # Headers only: one package for every configuration. Both adapters' headers are always packaged (the
        # options only decide which dependencies and components there are), so the options change nothing here.
        self.info.clear()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        include = os.path.join(self.package_folder, "include")
        copy(self, "trocco/*", os.path.join(self.source_folder, "include"), include)
        for adapter in ("asio", "curl"):
            copy(self, "trocco/*", os.path.join(self.source_folder, "adapters", adapter, "include"), include)

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "trocco")
        self.cpp_info.set_property("cmake_target_name", "trocco::trocco")
        self.cpp_info.set_property("pkg_config_name", "trocco")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", COMPONENT_TARGETS["core"])
        core.set_property("pkg_config_name", "trocco")
        core.requires = ["nlohmann_json::nlohmann_json"]
        core.bindirs = []
        core.libdirs = []

        if self.options.with_asio:
            asio = self.cpp_info.components["asio"]
            asio.set_property("cmake_target_name", COMPONENT_TARGETS["asio"])
            asio.set_property("pkg_config_name", "trocco-asio")
            asio.requires = ["core", "boost::headers", "openssl::ssl", "openssl::crypto"]
            if self.settings.os in ("Linux", "FreeBSD"):
                asio.system_libs = ["pthread"]
            if str(self.settings.compiler) == "clang":
                # clang with libstdc++: Asio enables coroutines for clang only when <experimental/coroutine>
                # exists; say that the standard header is there.
                asio.defines = ["BOOST_ASIO_HAS_CO_AWAIT", "BOOST_ASIO_HAS_STD_COROUTINE"]
            asio.bindirs = []
            asio.libdirs = []

        if self.options.with_curl:
            curl = self.cpp_info.components["curl"]
            curl.set_property("cmake_target_name", COMPONENT_TARGETS["curl"])
            curl.set_property("pkg_config_name", "trocco-curl")
            curl.requires = ["core", "libcurl::curl"]
            if self.settings.os in ("Linux", "FreeBSD"):
                curl.system_libs = ["pthread"]
            curl.bindirs = []
            curl.libdirs = []
