#include "backends/hip/code_object_info.h"

#include <amd_comgr.h>

#include <charconv>
#include <optional>
#include <stdexcept>

namespace suanli::hip {
namespace {

void check(amd_comgr_status_t status, const std::string& what) {
  if (status == AMD_COMGR_STATUS_SUCCESS) return;
  const char* text = nullptr;
  if (amd_comgr_status_string(status, &text) != AMD_COMGR_STATUS_SUCCESS || text == nullptr) text = "unknown status";
  throw std::runtime_error(std::string("comgr: ") + what + ": " + text);
}

// Owns one metadata node handle.
class Node {
 public:
  Node() = default;
  explicit Node(amd_comgr_metadata_node_t n) : node_(n), valid_(true) {}
  ~Node() {
    if (valid_) amd_comgr_destroy_metadata(node_);
  }
  Node(Node&& o) noexcept : node_(o.node_), valid_(o.valid_) { o.valid_ = false; }
  Node& operator=(Node&&) = delete;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  amd_comgr_metadata_node_t get() const { return node_; }

  std::optional<Node> lookup(const char* key) const {
    amd_comgr_metadata_node_t value;
    if (amd_comgr_metadata_lookup(node_, key, &value) != AMD_COMGR_STATUS_SUCCESS) return std::nullopt;
    return Node(value);
  }

  std::size_t list_size() const {
    std::size_t n = 0;
    check(amd_comgr_get_metadata_list_size(node_, &n), "metadata list size");
    return n;
  }

  Node at(std::size_t i) const {
    amd_comgr_metadata_node_t value;
    check(amd_comgr_index_list_metadata(node_, i, &value), "metadata list index");
    return Node(value);
  }

  std::string string() const {
    std::size_t size = 0;
    check(amd_comgr_get_metadata_string(node_, &size, nullptr), "metadata string size");
    std::string s(size, '\0');
    check(amd_comgr_get_metadata_string(node_, &size, s.data()), "metadata string");
    while (!s.empty() && s.back() == '\0') s.pop_back();
    return s;
  }

 private:
  amd_comgr_metadata_node_t node_{};
  bool valid_ = false;
};

// Owns one comgr object (data, data set, action info): created by the caller through
// out(), released by `release` when this goes.
template <typename Handle, amd_comgr_status_t (*release)(Handle)>
class Owned {
 public:
  Owned() = default;
  ~Owned() {
    if (created_) release(handle_);
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  Handle get() const { return handle_; }
  // For the create call; counts as created only once it succeeded (see created()).
  Handle* out() { return &handle_; }
  void created() { created_ = true; }

 private:
  Handle handle_{};
  bool created_ = false;
};
using Data = Owned<amd_comgr_data_t, amd_comgr_release_data>;
using DataSet = Owned<amd_comgr_data_set_t, amd_comgr_destroy_data_set>;
using ActionInfo = Owned<amd_comgr_action_info_t, amd_comgr_destroy_action_info>;

void create(Data& d, amd_comgr_data_kind_t kind) {
  check(amd_comgr_create_data(kind, d.out()), "create data");
  d.created();
}
void create(DataSet& d) {
  check(amd_comgr_create_data_set(d.out()), "create data set");
  d.created();
}
void create(ActionInfo& a) {
  check(amd_comgr_create_action_info(a.out()), "create action info");
  a.created();
}

std::optional<std::uint64_t> number(const Node& map, const char* key) {
  const std::optional<Node> n = map.lookup(key);
  if (!n) return std::nullopt;
  const std::string s = n->string();
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

int count(const Node& map, const char* key) {
  const std::optional<std::uint64_t> v = number(map, key);
  return v ? static_cast<int>(*v) : -1;
}

}  // namespace

std::vector<KernelResources> read_kernel_resources(const std::vector<unsigned char>& code_object) {
  Data data;
  create(data, AMD_COMGR_DATA_KIND_EXECUTABLE);
  check(amd_comgr_set_data(data.get(), code_object.size(), reinterpret_cast<const char*>(code_object.data())),
        "set data");
  amd_comgr_metadata_node_t root_handle;
  check(amd_comgr_get_data_metadata(data.get(), &root_handle), "read code object metadata");
  const Node root(root_handle);

  // Code object v3+ (msgpack) lists kernels under "amdhsa.kernels".
  const std::optional<Node> kernels = root.lookup("amdhsa.kernels");
  if (!kernels) throw std::runtime_error("comgr: the code object metadata has no amdhsa.kernels (code object v2?)");

  std::vector<KernelResources> out;
  for (std::size_t i = 0; i < kernels->list_size(); ++i) {
    const Node k = kernels->at(i);
    KernelResources r;
    if (const auto name = k.lookup(".name")) r.name = name->string();
    r.sgpr_count = count(k, ".sgpr_count");
    r.vgpr_count = count(k, ".vgpr_count");
    r.agpr_count = count(k, ".agpr_count");
    r.sgpr_spill_count = count(k, ".sgpr_spill_count");
    r.vgpr_spill_count = count(k, ".vgpr_spill_count");
    r.group_segment_bytes = number(k, ".group_segment_fixed_size").value_or(0);
    r.private_segment_bytes = number(k, ".private_segment_fixed_size").value_or(0);
    r.max_flat_workgroup_size = count(k, ".max_flat_workgroup_size");
    if (const auto args = k.lookup(".args")) {
      for (std::size_t a = 0; a < args->list_size(); ++a) {
        const Node arg = args->at(a);
        KernelArgInfo info;
        if (const auto kind = arg.lookup(".value_kind")) info.value_kind = kind->string();
        if (info.value_kind.rfind("hidden_", 0) == 0) continue;  // implicit arguments the runtime appends
        info.offset = number(arg, ".offset").value_or(0);
        info.size = number(arg, ".size").value_or(0);
        r.args.push_back(std::move(info));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string disassemble_code_object(const std::vector<unsigned char>& code_object, const std::string& arch) {
  Data data;
  create(data, AMD_COMGR_DATA_KIND_EXECUTABLE);
  check(amd_comgr_set_data(data.get(), code_object.size(), reinterpret_cast<const char*>(code_object.data())),
        "set data");
  check(amd_comgr_set_data_name(data.get(), "kernel.co"), "set data name");
  DataSet input, output;
  create(input);
  create(output);
  check(amd_comgr_data_set_add(input.get(), data.get()), "add data");
  ActionInfo info;
  create(info);
  const std::string isa = "amdgcn-amd-amdhsa--" + arch;
  check(amd_comgr_action_info_set_isa_name(info.get(), isa.c_str()), "set isa name " + isa);
  check(amd_comgr_do_action(AMD_COMGR_ACTION_DISASSEMBLE_EXECUTABLE_TO_SOURCE, info.get(), input.get(), output.get()),
        "disassemble");
  std::size_t count = 0;
  check(amd_comgr_action_data_count(output.get(), AMD_COMGR_DATA_KIND_SOURCE, &count), "count disassembly");
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    amd_comgr_data_t item;
    check(amd_comgr_action_data_get_data(output.get(), AMD_COMGR_DATA_KIND_SOURCE, i, &item), "get disassembly");
    std::size_t size = 0;
    const amd_comgr_status_t got_size = amd_comgr_get_data(item, &size, nullptr);
    std::string part(size, '\0');
    const amd_comgr_status_t got = got_size == AMD_COMGR_STATUS_SUCCESS ? amd_comgr_get_data(item, &size, part.data()) : got_size;
    amd_comgr_release_data(item);
    check(got, "read disassembly");
    text += part;
  }
  if (text.empty()) throw std::runtime_error("comgr: the disassembly is empty");
  return text;
}

}  // namespace suanli::hip
