// Device enumeration and DeviceInfo from the HIP runtime.
#pragma once

#include "backends/backend.h"
#include "backends/hip/rocm_smi.h"

namespace suanli::hip {

// Number of HIP devices; throws BackendError with the runtime's reason when there are
// none (e.g. "hipErrorNoDevice (no ROCm-capable device is detected)" plus what is
// missing on the machine).
int device_count();

PciAddress pci_address(int index);

// Everything DeviceInfo holds for device `index`. The arch always comes from the
// device (gcnArchName), never from a table.
DeviceInfo query_device_info(int index);

}  // namespace suanli::hip
