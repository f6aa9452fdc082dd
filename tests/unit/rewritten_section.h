// A segment file with one section's bytes replaced and every checksum
// recomputed: the bytes a faulty writer could have published, which only
// the structures' own checks can refuse.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "index/segment/section_container.h"

namespace freshet {

inline std::string WithSection(const std::string& file, SectionId id, std::string bytes) {
  auto c = SectionContainer::Parse("x", file);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return file;
  SectionContainerWriter w(c->format_version);
  for (const auto& [section_id, view] : c->sections) {
    w.Add(static_cast<SectionId>(section_id),
          section_id == static_cast<uint32_t>(id) ? bytes : std::string(view.bytes));
  }
  return w.Finish();
}

}  // namespace freshet
