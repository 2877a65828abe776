// The pure pieces of the HIP plugin: what it makes of the runtime's strings.
#include <gtest/gtest.h>

#include "backends/hip/hip_arch.h"
#include "backends/hip/hip_dialect.h"

namespace suanli::hip {
namespace {

TEST(HipArch, ArchIsTheProcessorPartOfGcnArchName) {
  EXPECT_EQ(arch_from_gcn_arch_name("gfx90a:sramecc+:xnack-"), "gfx90a");
  EXPECT_EQ(arch_from_gcn_arch_name("gfx906"), "gfx906");
  EXPECT_EQ(arch_from_gcn_arch_name("gfx936:sramecc+:xnack-"), "gfx936");
  EXPECT_EQ(arch_from_gcn_arch_name(""), "");
  EXPECT_EQ(target_features("gfx90a:sramecc+:xnack-"), (std::vector<std::string>{"sramecc+", "xnack-"}));
  EXPECT_TRUE(target_features("gfx1030").empty());
}

TEST(HipArch, VendorFromPciIdElseFromHygonOnlyArchs) {
  EXPECT_EQ(vendor_name(kPciVendorHygon, "gfx906"), "Hygon");  // the PCI ID wins
  EXPECT_EQ(vendor_name(kPciVendorAmd, "gfx928"), "AMD");
  EXPECT_EQ(vendor_name(std::nullopt, "gfx926"), "Hygon");
  EXPECT_EQ(vendor_name(std::nullopt, "gfx928"), "Hygon");
  EXPECT_EQ(vendor_name(std::nullopt, "gfx936"), "Hygon");
  EXPECT_EQ(vendor_name(std::nullopt, "gfx90a"), "AMD");
}

TEST(HipArch, GenericRuntimeNamesFallBack) {
  EXPECT_EQ(device_name("AMD Instinct MI210", "", "AMD", "gfx90a"), "AMD Instinct MI210");
  EXPECT_EQ(device_name("", "", "AMD", "gfx90a"), "AMD gfx90a");
  EXPECT_EQ(device_name("gfx928:sramecc+:xnack-", "", "Hygon", "gfx928"), "Hygon DCU gfx928");
  EXPECT_EQ(device_name("Device 66a1", "K100_AI", "Hygon", "gfx928"), "K100_AI");
  EXPECT_EQ(device_name("  Radeon Pro VII \n", "", "AMD", "gfx906"), "Radeon Pro VII");
}

TEST(HipArch, VersionDecoding) {
  EXPECT_EQ(hip_version_string(50221153), "5.2.21153");
  EXPECT_EQ(hip_version_string(60032830), "6.0.32830");
  EXPECT_EQ(hip_version_string(0), "unknown");
}

TEST(HipDialect, PreambleIsEmbeddedAndLinesRestartForTheCaller) {
  EXPECT_NE(hip_dialect_source().find("#define KERNEL extern \"C\" __global__"), std::string_view::npos);
  const std::string full = with_dialect("KERNEL void k() {}");
  EXPECT_NE(full.find("\n#line 1\nKERNEL void k() {}"), std::string::npos);
}

}  // namespace
}  // namespace suanli::hip
