// main.cpp — the dynsched command.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "duration.hpp"
#include "mission.hpp"
#include "mission_runner.hpp"
#include "log_file.hpp"
#include "module_report.hpp"
#include "package_tool.hpp"
#include "plan_writer.hpp"
#include "uplink_strip.hpp"
#include "update_check.hpp"

#include <filesystem>

namespace {

// The example modules: built with the project next to the binary
// (build/<preset>/modules/), installed in PREFIX/share/dynsched/modules/.
std::vector<std::string> default_module_path(std::vector<std::string> given) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    given.push_back((exe.parent_path().parent_path() / "modules").string());
    given.push_back((exe.parent_path().parent_path() / "share" / "dynsched" / "modules").string());
  }
  return given;
}

int cmd_run(const std::string& path, const std::string& for_text, const std::string& trace,
            const std::optional<std::uint64_t>& seed, bool realtime, const std::vector<std::string>& module_path,
            const std::string& store, bool store_init, const std::string& log_file, const std::string& plot) {
  using namespace dyn::cli;
  auto loaded = load_mission(path);
  if (loaded.error) {
    std::fprintf(stderr, "dynsched: %s\n", loaded.error->to_string().c_str());
    return 1;
  }
  RunOptions options;
  options.seed = seed;
  options.realtime = realtime;
  options.trace_path = trace;
  options.module_path = default_module_path(module_path);
  options.store_path = store;
  options.store_init = store_init;
  options.log_path = log_file;
  options.plot_path = plot;
  if (!for_text.empty()) {
    auto d = parse_duration(for_text);
    if (!d || *d <= 0) {
      std::fprintf(stderr, "dynsched: --for: bad duration \"%s\" (e.g. 90s, 15m, 24h)\n", for_text.c_str());
      return 2;
    }
    options.duration = *d;
  } else if (loaded.mission->duration <= 0) {
    std::fprintf(stderr, "dynsched: %s: the mission sets no [mission].duration; give one with --for\n", path.c_str());
    return 2;
  }
  RunReport report = run_mission(*loaded.mission, options);
  if (!report.error.empty()) {
    std::fprintf(stderr, "dynsched: %s\n", report.error.c_str());
    std::fputs(format_written(report).c_str(), stdout);  // what was written before it failed
    return 1;
  }
  std::fputs(format_summary(report).c_str(), stdout);
  std::fputs(format_written(report).c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dynsched — task scheduling and live module update for small spacecraft"};
  app.require_subcommand(1);
  // The package format and the store's are versioned on their own (docs/packages.md, docs/store.md).
  app.set_version_flag("--version", std::string("dynsched ") + DYN_VERSION);

  std::string mission_path, for_text, trace_path;
  std::optional<std::uint64_t> seed;
  bool realtime = false;
  CLI::App* run = app.add_subcommand("run", "run a mission on the host (simulated spacecraft)");
  run->add_option("mission", mission_path, "mission file (TOML), see docs/mission-file.md")->required();
  run->add_option("--for", for_text, "how long to run, e.g. 90s, 15m, 24h (default: [mission].duration)");
  run->add_option("--trace", trace_path, "write a Chrome Trace Event JSON file (Perfetto, chrome://tracing)");
  run->add_option("--seed", seed, "random seed (lottery); overrides [mission].seed");
  run->add_flag("--realtime", realtime, "run against the wall clock instead of virtual time");

  std::vector<std::string> module_path;
  run->add_option("--module-path", module_path, "directory to search for modules named in the mission (repeatable)");
  std::string store;
  run->add_option("--store", store,
                  "persistent store (a file laid out like flash, created if absent): boot the committed module "
                  "versions in it and journal live updates there");

  bool store_init = false;
  run->add_flag("--store-init", store_init,
                "initialise a store that has no identity (a new, erased, wiped or older store: everything in it is "
                "erased) for this mission's spacecraft and name; another mission's store is never touched");

  std::string plot;
  run->add_option("--plot", plot, "draw the battery's charge and a per-task timeline into an SVG file");
  std::string log_file;
  run->add_option("--log", log_file,
                  "log store (seed 003's SD card): persist every task's log lines there; read with `dynsched log`");
  std::string log_read_path, severity = "debug", task_filter;
  CLI::App* logcmd = app.add_subcommand("log", "print a persisted log");
  logcmd->add_option("file", log_read_path, "log store written by `dynsched run --log`")->required();
  logcmd->add_option("--severity", severity, "least severity shown: debug, info, warning, error, fatal");
  logcmd->add_option("--task", task_filter, "only this task's lines (\"system\" for the system's)");

  std::string object;
  std::vector<std::string> with;
  CLI::App* inspect = app.add_subcommand("inspect", "say what the runtime will do with a module object, before uplinking it");
  inspect->add_option("object", object, "relocatable ELF object (.o) built with dynsched_add_module")->required();
  inspect->add_option("--with", with, "modules it imports from (repeatable)");
  dyn::cli::UpdateCheckOptions update_check;
  inspect->add_option("--update-from", update_check.old_path,
                      "the installed version: say whether OBJECT can replace it in a live update, and why not");
  inspect->add_option("--importer", update_check.importers,
                      "with --update-from: a module that imports from it (repeatable): its imports must survive");
  inspect->add_option("--mission", update_check.mission_path,
                      "with --update-from: the mission, to check the update's probation against the task's interval");
  inspect->add_option("--task", update_check.task, "with --mission: the task that runs the installed version");
  inspect->add_option("--module-path", update_check.module_path, "with --mission: where its modules are (repeatable)");

  std::string keygen_name;
  bool keygen_hmac = false;
  CLI::App* keygen = app.add_subcommand("keygen", "make the ground's key pair (Ed25519) or a spacecraft's HMAC key");
  keygen->add_option("name", keygen_name, "writes NAME.key + NAME.pub, or NAME.hmac with --hmac")->required();
  keygen->add_flag("--hmac", keygen_hmac, "a symmetric HMAC-SHA-256 key, for targets without public-key crypto");

  std::string strip_in, strip_out;
  CLI::App* strip = app.add_subcommand("strip", "a module object without what the loader never reads (to install and send)");
  strip->add_option("object", strip_in, "module object (.o)")->required();
  strip->add_option("-o,--output", strip_out, "stripped object to write")->required();

  // Unsigned numbers as digits only: "-5" must not wrap to 2^64 - 5.
  const CLI::Validator digits(
      [](std::string& text) {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return std::string("a number of digits");
        if (text.size() > 20 || (text.size() == 20 && text > "18446744073709551615")) return std::string("a number below 2^64");
        return std::string();
      },
      "UINT");
  dyn::cli::PackOptions pack_options;
  CLI::App* pack = app.add_subcommand("pack", "make an update package: authenticated, with an anti-replay sequence number");
  pack->add_option("--new", pack_options.new_path, "the module version to send (.o)")->required();
  pack->add_option("--base", pack_options.base_path, "the installed version (.o): send a delta against it");
  pack->add_option("--importer", pack_options.importers,
                   "with --base: a module that imports from it (repeatable): its imports must survive the update");
  pack->add_option("--with", pack_options.with, "modules it imports from (repeatable)");
  pack->add_option("--key", pack_options.key_path, "NAME.key (Ed25519) or NAME.hmac")->required();
  pack->add_option("--seq", pack_options.sequence, "sequence number: above the last one the spacecraft accepted")
      ->check(digits)
      ->required();
  pack->add_flag("--allow-jump", pack_options.allow_jump,
                 "let the spacecraft accept a sequence number beyond its window (after lost packages)");
  pack->add_option("-o,--output", pack_options.out_path, "package file to write (.dsu)")->required();
  pack->add_option("--renames", pack_options.renames,
                   "the new version renames the module: the name of the one it replaces (signed in the manifest)");
  pack->add_option("--for", pack_options.binding.mission_file,
                   "bind it to the spacecraft and mission of MISSION.toml (another one refuses it)");
  pack->add_option("--spacecraft", pack_options.binding.spacecraft, "bind it to this spacecraft id (with --mission)");
  pack->add_option("--mission", pack_options.binding.mission, "bind it to this mission name (with --spacecraft)");

  dyn::cli::VerifyOptions verify_options;
  CLI::App* verify = app.add_subcommand("verify", "say what the spacecraft would decide about a package, and why");
  verify->add_option("package", verify_options.package_path, "package file (.dsu)")->required();
  verify->add_option("--pub,--key", verify_options.key_path, "NAME.pub (Ed25519) or NAME.hmac")->required();
  verify->add_option("--accepted", verify_options.accepted, "the spacecraft's last accepted sequence number")
      ->check(digits);
  verify->add_option("--window", verify_options.window, "how far above it a sequence may jump (default 16)")
      ->check(digits);
  verify->add_option("--installed,--base", verify_options.installed,
                     "the installed version (.o): the module must be the same; a delta is rebuilt against it");
  verify->add_option("--with", verify_options.with, "modules the installed version imports from (repeatable)");
  verify->add_option("--for", verify_options.binding.mission_file, "decide as the spacecraft of MISSION.toml");
  verify->add_option("--spacecraft", verify_options.binding.spacecraft, "decide as this spacecraft id (with --mission)");
  verify->add_option("--mission", verify_options.binding.mission, "decide as this mission (with --spacecraft)");

  std::string compile_mission, compile_out, compile_for;
  std::vector<std::string> compile_modules;
  dyn::cli::PlanOptions plan_options;
  CLI::App* compile = app.add_subcommand("compile", "turn a mission into the tables of a flight image (C++ source)");
  compile->add_option("mission", compile_mission, "mission file (.toml)")->required();
  compile->add_option("--module", compile_modules, "NAME=FILE.o: the object built for the target of a module the file names (repeatable)");
  compile->add_option("--target", plan_options.target, "the image's architecture (cortex-m3)");
  compile->add_option("--system-stack", plan_options.system_stack, "bytes of stack for os.housekeeping and os.update")
      ->check(CLI::Range(4096, 1 << 20));
  compile->add_option("--for", compile_for, "mission time to run (default: the file's duration)");
  compile->add_option("-o,--output", compile_out, "C++ source to write")->required();

  // An unknown command word is named, with the ones there are (CLI11 alone
  // says only that a subcommand is required).
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      found = found || sub->get_name() == argv[1];
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      std::fprintf(stderr, "dynsched: no command \"%s\"; the commands are: %s (dynsched --help)\n", argv[1], known.c_str());
      return 2;
    }
  }
  CLI11_PARSE(app, argc, argv);
  if (*compile) {
    std::string out;
    const int status = dyn::cli::compile_command(compile_mission, compile_modules, compile_for, compile_out, plan_options, &out);
    std::fputs(out.c_str(), status ? stderr : stdout);
    return status;
  }
  if (*keygen || *pack || *verify || *strip) {
    std::string out;
    const int status = *keygen  ? dyn::cli::keygen(keygen_name, keygen_hmac, &out)
                       : *pack  ? dyn::cli::pack(pack_options, &out)
                       : *strip ? dyn::cli::strip_command(strip_in, strip_out, &out)
                                : dyn::cli::verify(verify_options, &out);
    std::fputs(out.c_str(), status ? stderr : stdout);
    return status;
  }
  if (*run) return cmd_run(mission_path, for_text, trace_path, seed, realtime, module_path, store, store_init, log_file,
                              plot);
  if (*logcmd) {
    dyn::Severity min = dyn::Severity::Debug;
    const char* names[] = {"debug", "info", "warning", "error", "fatal"};
    bool known = false;
    for (int i = 0; i < 5; ++i)
      if (severity == names[i]) {
        min = static_cast<dyn::Severity>(i);
        known = true;
      }
    if (!known) {
      std::fprintf(stderr, "dynsched log: --severity: expected debug, info, warning, error or fatal\n");
      return 2;
    }
    std::string out;
    const int status = dyn::cli::print_log(log_read_path, min, task_filter, &out);
    std::fputs(out.c_str(), status ? stderr : stdout);
    return status;
  }
  if (*inspect) {
    std::string out;
    int status = dyn::cli::inspect_module(object, with, &out);
    if (!update_check.old_path.empty() && status == 0) {
      update_check.new_path = object;
      update_check.with = with;
      update_check.module_path = default_module_path(update_check.module_path);
      status = dyn::cli::check_update(update_check, &out);
    } else if (update_check.old_path.empty() && (!update_check.mission_path.empty() || !update_check.task.empty() ||
                                                 !update_check.importers.empty())) {
      out += "dynsched inspect: --mission, --task and --importer go with --update-from OLD.o\n";
      status = 2;
    }
    std::fputs(out.c_str(), status ? stderr : stdout);
    return status;
  }
  return 2;
}
