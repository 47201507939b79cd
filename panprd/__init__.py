"""The Pan-PRD cooperation map: data, filters, maps and exports for the Fujian 2016 policy."""
