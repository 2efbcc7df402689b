// package_install.cpp — accept, record the counter, request the update.
#include "dyn/package_install.hpp"

namespace dyn {

Result<AcceptedPackage, PackageUpdateError> request_package_update(UpdateManager& updates, ModuleStore* store,
                                                                   std::span<const std::byte> package,
                                                                   const PackageVerifier& verifier, PackageTarget target,
                                                                   UpdateRequest request, BootScratch& scratch) noexcept {
  using Stage = PackageUpdateError::Stage;
  if (store) {  // the spacecraft's counter: a reboot cannot replay a package
    auto recorded = store->accepted_sequence();
    target.sequence.known = static_cast<bool>(recorded);
    target.sequence.accepted = recorded ? recorded.value() : 0;
    // A store is initialised with its counter (check_store): none means it was lost.
    target.sequence.readable = static_cast<bool>(recorded);
  }
  auto accepted = accept_package(package, verifier, target);
  if (!accepted) return Unexpected{PackageUpdateError{Stage::Package, accepted.error()}};
  if (store) {
    if (auto r = store->set_accepted_sequence(accepted.value().manifest.sequence); !r)
      return Unexpected{PackageUpdateError{Stage::Counter, {}, r.error()}};
  }
  request.image = accepted.value().image;
  request.rename = accepted.value().manifest.renames();
  if (auto r = updates.request(request, scratch.for_image(request.image)); !r)
    return Unexpected{PackageUpdateError{Stage::Update, {}, {}, r.error(), accepted.value().manifest.sequence}};
  return accepted.value();
}

}  // namespace dyn
