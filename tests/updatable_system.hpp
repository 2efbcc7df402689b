// updatable_system.hpp — a small system with live update, for the update and fault tests:
// a priority kernel with real ticks, the task manager with kernel tables, the
// update manager and its os.update task, and helpers to install and update modules.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dyn/checkpoint.hpp"
#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "dyn/update_manager.hpp"
#include "dynsched.h"
#include "host_module_memory.hpp"
#include "host_port.hpp"
#include "module_test_support.hpp"

#ifndef DYN_MODULES_DIR
#error "DYN_MODULES_DIR must name the directory of the example modules"
#endif

namespace dyn::test {

inline std::vector<std::byte> module_image(const std::string& dir, const std::string& name) {
  return read_bytes(std::string(DYN_MODULES_DIR) + "/" + dir + "/" + name + ".o");
}

class Starts final : public EventSink {
 public:
  void on_event(const KernelEvent& e) noexcept override {
    if (e.kind == EventKind::RunSegment && e.task && e.activation_start) starts[e.task->name].push_back(e.start);
    if (e.kind == EventKind::Log && e.task && e.text) logs.push_back({e.task->name, e.text});
    if (e.kind == EventKind::Update)
      updates.push_back({e.task ? e.task->name : "", static_cast<UpdateStep>(e.step), e.text ? e.text : "", e.value});
  }
  struct UpdateEvent {
    std::string task;  // the event's track
    UpdateStep step;
    std::string text;
    std::uint64_t severity;
  };
  std::map<std::string, std::vector<Time>> starts;
  std::vector<UpdateEvent> updates;
  std::vector<std::pair<std::string, std::string>> logs;  // task, line
};

struct UpdatableSystem {
  UpdatableSystem() {
    KernelConfig c;
    c.time_slice = 0;
    c.preemption_ticks = true;  // v3 really hangs; a real tick must stop it
    kernel.emplace(table, policy, c, &events);
    tasks.emplace(*kernel, reg);
    tasks->set_tables(&tables.get());
    updates.emplace(*tasks);
  }
  ::testing::AssertionResult tables_consistent() { return tables.consistent(); }
  ~UpdatableSystem() { tasks->uninstall_all(); }

  // The os.update system task, at the highest priority.
  void start_worker() {
    stacks.emplace_back(64 * 1024);
    TaskSpec ws;
    ws.name = "os.update";
    ws.model = RunModel::Loop;
    ws.priority = 31;
    ws.entry = UpdateManager::worker_entry;
    ws.arg = &*updates;
    ws.stack = stacks.back().span();
    updates->set_worker(kernel->create(ws).value());
  }

  TaskId periodic(const char* name, std::uint8_t priority, Time interval) {
    return job(name, priority, interval, [this] { kernel->consume(kMillisecond); });
  }
  // A kernel task (no module) running `body` every `interval`.
  TaskId job(const char* name, std::uint8_t priority, Time interval, std::function<void()> body, Time watchdog = 0) {
    bodies.push_back(std::move(body));
    stacks.emplace_back(64 * 1024);
    TaskSpec s;
    s.name = name;
    s.priority = priority;
    s.interval = interval;
    s.watchdog = watchdog;
    s.entry = [](void* a) noexcept { (*static_cast<std::function<void()>*>(a))(); };
    s.arg = &bodies.back();
    s.stack = stacks.back().span();
    return kernel->create(s).value();
  }
  // Loader scratch sized for `image` (empty if it is not an ELF object).
  LoaderScratch scratch_for(const std::vector<std::byte>& image) {
    auto view = ElfView::open(image);
    syms.assign(view ? view.value().symbol_count() : 0, {});
    secs.assign(view ? view.value().section_count() : 0, {});
    return LoaderScratch{syms, secs};
  }
  Result<RegisterEntry*, InstallError> install_image(const std::vector<std::byte>& image, const ModuleTaskSpec& spec) {
    return tasks->install(image, spec, scratch_for(image));
  }
  RegisterEntry* install(const char* dir, const char* module, const char* name, std::uint8_t priority, Time interval,
                         Time watchdog) {
    ModuleTaskSpec spec;
    spec.task.name = name;
    spec.task.priority = priority;
    spec.task.interval = interval;
    spec.task.watchdog = watchdog;
    auto r = install_image(module_image(dir, module), spec);
    return r ? r.value() : nullptr;
  }
  UpdateOutcome update(const char* module) { return update_to(module_image("beacon", module)); }
  // Updates the beacon to `image` and runs until the update is over.
  UpdateOutcome update_to(const std::vector<std::byte>& image, std::uint32_t probation_points = 3,
                          Time probation_time = kMinute) {
    UpdateRequest r;
    r.task = "beacon";
    r.image = image;
    r.quiesce_timeout = 30 * kSecond;
    r.probation_points = probation_points;
    r.probation_time = probation_time;
    const std::uint64_t before = updates->completed();
    if (!updates->request(r, scratch_for(image))) return UpdateOutcome::None;
    while (updates->completed() == before) kernel->run_for(kSecond);
    return updates->last().outcome;
  }
  // The beacon's state as the running version sees it.
  std::uint32_t beacon_word(std::size_t index) {
    const auto* e = static_cast<RegisterEntry*>(kernel->table().find_by_name("beacon")->owner);
    std::uint32_t v;
    std::memcpy(&v, e->state.host + 4 * index, 4);
    return v;
  }
  std::uint32_t beacon_version() {
    const auto* e = static_cast<RegisterEntry*>(kernel->table().find_by_name("beacon")->owner);
    return e->module.descriptor->version;
  }

  std::vector<Task> slots{std::vector<Task>(16)};
  TaskTable table{slots};
  PriorityPolicy policy;
  Starts events;
  std::optional<Kernel> kernel;
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries{std::vector<RegisterEntry>(16)};
  TaskRegister reg{entries, memory};
  std::optional<TaskManager> tasks;
  std::optional<UpdateManager> updates;
  std::deque<std::function<void()>> bodies;
  std::deque<host::TaskStack> stacks;
  std::vector<SymbolSlot> syms;
  std::vector<SectionSlot> secs;
  Tables tables{16};
};

// Flips one bit in the first copy of `image`'s bytes [at, at+64) found in `flash`.
inline bool damage(std::vector<std::byte>& flash, const std::vector<std::byte>& image, std::size_t at) {
  auto hit = std::search(flash.begin(), flash.end(), image.begin() + static_cast<std::ptrdiff_t>(at),
                         image.begin() + static_cast<std::ptrdiff_t>(at + 64));
  if (hit == flash.end()) return false;
  *(hit + 10) ^= std::byte{0x08};
  return true;
}

// The first word of a task's last stored checkpoint (the beacon's run count; 0 if none reads back).
inline std::uint32_t checkpointed_sequence(ModuleStore& store, std::string_view task) {
  std::vector<std::byte> bytes(8192);
  auto n = store.last_checkpoint(task, bytes);
  if (!n) return 0;
  auto cp = CheckpointView::open({bytes.data(), n.value()});
  if (!cp || cp.value().payload.size() < 4) return 0;
  std::uint32_t v;
  std::memcpy(&v, cp.value().payload.data(), 4);
  return v;
}

// A module store on RAM flash (4 KiB erase blocks), mounted.
struct RamStore {
  explicit RamStore(FlashGeometry g = FlashGeometry{4096, 32, 8})
      : geometry(g), storage(g.size(), std::byte{0xFF}), flash(storage, g), index(64), store(flash, index) {
    EXPECT_TRUE(store.mount());
  }
  FlashGeometry geometry;
  std::vector<std::byte> storage;
  RamFlash flash;
  std::vector<StoreEntry> index;
  ModuleStore store;
};

}  // namespace dyn::test
