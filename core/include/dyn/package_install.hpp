// package_install.hpp — a package that arrived for a task, taken all the way
// to a live update request: the flight decision, in the core so that every
// port makes it the same way (the host's mission runner and the power-cut
// sweep call it).
//
//   1. accept_package (authentication, manifest, freshness against the
//      store's counter, architecture, module, space, base and result digests);
//   2. the package's sequence number recorded in the store — before anything
//      is installed, so a package is never accepted twice, even if a power
//      cut stops the update (the ground then sends the next number);
//   3. the update requested through the update manager (its journal makes a
//      power cut boot the old or the new version).
// A refusal at 1 or 2 changes nothing. A refusal at 3 (the image does not
// load, names another module, the store cannot record it) has used the
// package's number: the ground sends the fix with the next one.
#pragma once

#include <cstdint>
#include <span>

#include "dyn/boot.hpp"
#include "dyn/module_store.hpp"
#include "dyn/package.hpp"
#include "dyn/update_manager.hpp"

namespace dyn {

struct PackageUpdateError {
  enum class Stage : std::uint8_t { Package, Counter, Update } stage;
  PackageError package{};
  StoreError store{};
  UpdateError update{};
  std::uint64_t sequence = 0;  // Stage::Update: the package's number, used (recorded) before the request
};

// `target`: everything but the sequence state, which comes from `store` (or,
// without a store, from target.sequence as given). `request`: the update's
// task and probation; its image is set here. On success, the accepted
// manifest (its sequence number is the new counter) and the image requested
// (in `package` or in target.result_buffer). `scratch` sizes the loader's
// scratch for the image once it is known.
[[nodiscard]] Result<AcceptedPackage, PackageUpdateError> request_package_update(
    UpdateManager& updates, ModuleStore* store, std::span<const std::byte> package, const PackageVerifier& verifier,
    PackageTarget target, UpdateRequest request, BootScratch& scratch) noexcept;

}  // namespace dyn
