#pragma once
// Where tests, fuzz targets and benchmarks find the checkout, Kibana's document and the built
// specgate: defined in one small source file that CMake generates per build directory
// (cmake/test_paths.cmake), so no other file is compiled with an absolute path and ccache reuses
// them in a clone at another path.

namespace specgate::testing::paths {

const char* source_dir();       // the checkout's top-level directory
const char* kibana_spec();      // ../shared/specs/kibana.yaml, or -DSPECGATE_KIBANA_SPEC=
const char* specgate_binary();  // the specgate executable of this build directory

}  // namespace specgate::testing::paths
