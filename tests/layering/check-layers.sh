#!/usr/bin/env bash
# The layering rule of the README's Architecture section, checked on the sources: items, views and the
# programs never include QtSql (nor the core's database.h / internals.h), and QtSql is a private
# dependency of the registry core. Exits 1 naming every offending line.
set -euo pipefail
top="$1"
status=0
offenders=$(grep -rnE '#include[[:space:]]*[<"](QtSql/|QSql|registry/database\.h|registry/internals\.h|database\.h|internals\.h)' \
  "$top/models/items" "$top/views" "$top/app" || true)
if [ -n "$offenders" ]; then
  echo "check-layers: only the registry core (models/registry) may include QtSql or database.h:" >&2
  echo "$offenders" >&2
  status=1
fi
public_deps=$(sed -n 's/.*target_link_libraries(modeldesk_registry PUBLIC \([^)]*\)/\1/p' "$top/models/registry/CMakeLists.txt" |
  sed 's/PRIVATE.*//')
if [ -z "$public_deps" ] || echo "$public_deps" | grep -q 'Qt6::Sql'; then
  echo "check-layers: Qt6::Sql must be a PRIVATE dependency of modeldesk_registry" >&2
  status=1
fi
if awk '/^public:/{p=1} /^private:/{p=0} p && /Database &database\(\)/{found=1} END{exit !found}' "$top/models/registry/registry.h"; then
  echo "check-layers: Registry::database() must not be public" >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "check-layers: items, views and app include no QtSql; QtSql is private to the core"
exit "$status"
