#include "cli/store_command.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "cli/exit_code.h"
#include "storage/object_store.h"

namespace freshet {
namespace {

struct StoreFlags {
  std::string url;
  std::string key;
  std::string prefix;
  std::string file = "-";
  uint64_t offset = 0;
  uint64_t length = 0;  // 0: to the end
  bool if_absent = false;
};

[[noreturn]] void Fail(const Status& status) { throw CLI::RuntimeError(ReportFailure(status)); }

std::unique_ptr<ObjectStore> OpenStore(const std::string& url) {
  auto store = ObjectStore::Open(url);
  if (!store.ok()) Fail(store.status());
  return std::move(*store);
}

void Write(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

void List(const StoreFlags& f) {
  auto store = OpenStore(f.url);
  auto objects = store->List(f.prefix);
  if (!objects.ok()) Fail(objects.status());
  std::string out;
  for (const ObjectInfo& o : *objects)
    out += fmt::format("{}\t{}\t{}\n", o.size, o.fingerprint, o.key);
  Write(out);
}

void Cat(const StoreFlags& f) {
  auto store = OpenStore(f.url);
  Result<std::string> bytes =
      (f.offset == 0 && f.length == 0)
          ? store->Get(f.key)
          : store->GetRange(f.key, f.offset, f.length ? f.length : UINT64_MAX);
  if (!bytes.ok()) Fail(bytes.status());
  Write(*bytes);
}

void Head(const StoreFlags& f) {
  auto store = OpenStore(f.url);
  auto info = store->Head(f.key);
  if (!info.ok()) Fail(info.status());
  Write(fmt::format("{}\t{}\t{}\n", info->size, info->fingerprint, info->key));
}

void Put(const StoreFlags& f) {
  std::string data;
  if (f.file == "-") {
    data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(f.file, std::ios::binary);
    if (!in) Fail(Status::NotFound(fmt::format("cannot open '{}'", f.file)));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    data = std::move(buffer).str();
  }
  auto store = OpenStore(f.url);
  Status st = f.if_absent ? store->PutIfAbsent(f.key, data) : store->Put(f.key, data);
  if (!st.ok()) Fail(st);
}

void Remove(const StoreFlags& f) {
  auto store = OpenStore(f.url);
  Status st = store->Delete(f.key);
  if (!st.ok()) Fail(st);
}

}  // namespace

void AddStoreCommand(CLI::App& app) {
  auto f = std::make_shared<StoreFlags>();
  CLI::App* cmd = app.add_subcommand(
      "store",
      "List, read, write and delete objects of a store URL (file://DIR, s3://BUCKET/PREFIX)");
  cmd->require_subcommand(1);
  cmd->footer(
      "S3 URLs: s3://BUCKET[/PREFIX][?endpoint=URL&region=R&addressing=path|virtual]; credentials\n"
      "from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (see README.md).");

  auto* ls = cmd->add_subcommand("ls", "list objects under a key prefix: size, fingerprint, key");
  ls->add_option("url", f->url, "store URL")->required();
  ls->add_option("prefix", f->prefix, "key prefix (default: everything)");
  ls->callback([f] { List(*f); });

  auto* cat = cmd->add_subcommand("cat", "write an object (or a byte range of it) to stdout");
  cat->add_option("url", f->url, "store URL")->required();
  cat->add_option("key", f->key, "object key")->required();
  cat->add_option("--offset", f->offset, "first byte");
  cat->add_option("--length", f->length, "bytes to read (default: to the end)");
  cat->callback([f] { Cat(*f); });

  auto* head = cmd->add_subcommand("head", "an object's size and fingerprint");
  head->add_option("url", f->url, "store URL")->required();
  head->add_option("key", f->key, "object key")->required();
  head->callback([f] { Head(*f); });

  auto* put = cmd->add_subcommand("put", "write an object atomically from a file or stdin");
  put->add_option("url", f->url, "store URL")->required();
  put->add_option("key", f->key, "object key")->required();
  put->add_option("file", f->file, "input file, '-' for stdin")->capture_default_str();
  put->add_flag("--if-absent", f->if_absent, "fail with exit code 5 if the key exists");
  put->callback([f] { Put(*f); });

  auto* rm = cmd->add_subcommand("rm", "delete an object (absent is not an error)");
  rm->add_option("url", f->url, "store URL")->required();
  rm->add_option("key", f->key, "object key")->required();
  rm->callback([f] { Remove(*f); });
}

}  // namespace freshet
