// app/report_config.h: the scenario's `checks` and `report` sections as reports/ takes
// them (reports/ cannot include app/, so it has mirror types).
#pragma once

#include "app/scenario/config.h"
#include "reports/checks/check.h"
#include "reports/run_result.h"

namespace app {

reports::CheckSpec to_check_spec(const scenario::ChecksConfig& checks);
reports::ReportOptions to_report_options(const scenario::ReportConfig& report);

}  // namespace app
