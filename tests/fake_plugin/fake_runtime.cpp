// Stands in for a GPU runtime library (libcuda.so, libamdhip64.so) in tests.
extern "C" int suanli_fake_runtime_version() { return 1; }
