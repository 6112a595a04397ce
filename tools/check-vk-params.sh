#!/bin/sh
# check-vk-params.sh GLSL SHADER... — fails (naming file and line) when a shader addresses a
# header word by number instead of by its name from shaders/vk_params.def, or names a word
# of another shader or one the .def lacks: with the generated vk_params.glsl (GLSL, the
# first argument) and vk_params.h (C), the builders and the shaders then agree by
# construction, and a disagreement is a build error, not a wrong result.
set -e
glsl=$1
shift
awk '
FNR == NR {
	if ($1 == "#define")
		defined[$2] = 1
	next
}
FNR == 1 {
	name = FILENAME
	sub(/.*\//, "", name)
	sub(/\.comp$/, "", name)
	prefix = toupper(name) "_"
}
{
	line = $0
	sub(/\/\/.*/, "", line)
	while (match(line, /(EML_I|EML_F)\([^)]*\)|constant_id *= *[A-Za-z0-9_]+|eml_udiv\([^;]*, *[A-Za-z0-9_]+\)/)) {
		use = substr(line, RSTART, RLENGTH)
		line = substr(line, RSTART + RLENGTH)
		arg = use
		if (use ~ /^eml_udiv/) {
			sub(/\)$/, "", arg)
			sub(/.*, */, "", arg)
		} else if (use ~ /^constant_id/) {
			sub(/^constant_id *= */, "", arg)
		} else {
			sub(/^EML_[IF]\(/, "", arg)
			sub(/\)$/, "", arg)
		}
		if (arg == "id" || (use ~ /^constant_id/ && arg == "0"))
			continue # the helpers of common.glsl; the workgroup size
		if (arg ~ /^[0-9]/) {
			printf "%s:%d: header word %s by number: name it in shaders/vk_params.def\n",
			       FILENAME, FNR, arg > "/dev/stderr"
			bad = 1
		} else if (index(arg, prefix) != 1 || !(arg in defined)) {
			printf "%s:%d: %s is not a header word of %s in shaders/vk_params.def\n",
			       FILENAME, FNR, arg, name > "/dev/stderr"
			bad = 1
		}
	}
}
END { exit bad }
' "$glsl" "$@"
