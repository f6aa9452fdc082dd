// The dashboard page `freshet serve` serves at "/": freshness lag over time,
// batch durations per phase, records per batch, the generation in service and
// a search box. Self-contained HTML (plots drawn as SVG by its own script);
// it loads nothing but this server's JSON endpoints. Built from
// src/serve/dashboard.html at build time.
#pragma once

#include <string_view>

namespace freshet {

extern const std::string_view kDashboardHtml;

}  // namespace freshet
