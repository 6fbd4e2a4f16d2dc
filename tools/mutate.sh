# The mutate helper of the mutation checks (tools/bias-mutations.sh, tools/kernel-mutations.sh),
# sourced by them: `mutate NAME FILE OLD NEW` replaces the one occurrence of OLD in FILE by NEW,
# runs the tests named in $MUTATION_TESTS, counts the mutation in $survivors when they still
# pass, and restores FILE. A mutation whose OLD text is not found exactly once stops the script.
survivors=0
mutate() { # name, file, old text, new text
  local name=$1 file=$2
  cp "$file" "$file.orig"
  python3 - "$file" "$3" "$4" <<'PY' || { mv "$file.orig" "$file"; echo "mutation '$name' no longer applies"; exit 2; }
import sys
f, old, new = sys.argv[1:4]
s = open(f).read()
if s.count(old) != 1: sys.exit(1)
open(f, 'w').write(s.replace(old, new))
PY
  # shellcheck disable=SC2086 # the test list is a word list
  if npx vitest run $MUTATION_TESTS >/dev/null 2>&1; then echo "SURVIVED: $name"; survivors=$((survivors + 1)); else echo "killed:   $name"; fi
  mv "$file.orig" "$file"
}
