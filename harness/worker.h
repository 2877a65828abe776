// The worker side of the parent/worker split: `suanli worker --backend B [--device N]
// [--list]` loads one plugin, opens one device and answers JSON lines on stdout.
//
// Protocol (one JSON object per line):
//   --list:  {"type":"devices","devices":[{"index":0,"info":{…}}]}  or {"type":"error","message":…}
//   run:     {"type":"ready","device":{…}} or {"type":"error","message":…}; then for every
//            case line read from stdin, {"type":"result","case":{…}}; exits 0 at end of input.
#pragma once

#include <string>

namespace suanli {

int worker_main(const std::string& backend, int device_index, bool list_only);

}  // namespace suanli
