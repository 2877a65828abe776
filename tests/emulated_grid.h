// Runs a kernel compiled as host C++ over its grid: blocks one after another, every thread of
// a block its own std::thread, with the barriers a block needs — one for __syncthreads and
// one per warp / wavefront for the collective instructions the emulation models. The HIP
// models (tests/hip_gemm_emulated_run.h) run whole grids; the CUDA models' run_block
// (tests/mma_sync_emulation.h) one block at a time.
#pragma once

#include <barrier>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace emulated_grid {

struct Block {
  unsigned x = 0, y = 0;
  std::barrier<> block_barrier;
  std::vector<std::unique_ptr<std::barrier<>>> group_barriers;  // one per warp / wavefront

  Block(unsigned bx, unsigned by, unsigned threads, unsigned group_size) : x(bx), y(by), block_barrier(threads) {
    for (unsigned g = 0; g < threads / group_size; ++g) group_barriers.push_back(std::make_unique<std::barrier<>>(group_size));
  }
  std::vector<std::barrier<>*> group_barrier_pointers() const {
    std::vector<std::barrier<>*> out;
    for (const auto& b : group_barriers) out.push_back(b.get());
    return out;
  }
};

// For every block of grid_x × grid_y: prepare(block) (shared state: memory, the emulation's
// barrier pointers), then body(block, thread index) on `threads` threads at once, then
// finish(block) after they all returned.
// prepare takes Block& (it may hand out the block's barriers), body and finish const Block&.
// run_one: the same for the one block (bx, by).
template <typename Prepare, typename Body, typename Finish>
void run_one(unsigned bx, unsigned by, unsigned threads, unsigned group_size, Prepare prepare, Body body, Finish finish) {
  Block block(bx, by, threads, group_size);
  prepare(block);
  std::vector<std::thread> workers;
  for (unsigned tid = 0; tid < threads; ++tid) workers.emplace_back([&block, &body, tid] { body(block, tid); });
  for (auto& w : workers) w.join();
  finish(block);
}

template <typename Prepare, typename Body, typename Finish>
void run(unsigned grid_x, unsigned grid_y, unsigned threads, unsigned group_size, Prepare prepare, Body body, Finish finish) {
  for (unsigned by = 0; by < grid_y; ++by)
    for (unsigned bx = 0; bx < grid_x; ++bx) run_one(bx, by, threads, group_size, prepare, body, finish);
}

}  // namespace emulated_grid
