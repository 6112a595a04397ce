#!/bin/sh
# partition_check.sh EDGEML WORK — the scheduler on real models: each int8 model of the
# cross-check (its .eml and first input, left in WORK by `crosscheck.py --backend vulkan`) runs
# on Vulkan whole, then with some of its ops withheld from the GPU (EDGEML_VK_NO_SHADER), so
# that the CPU backend runs them in partitions between GPU ones with copies at every edge. The
# outputs must be the same bytes: the GPU's int8 kernels and the CPU's are both exact.
set -u
edgeml=$1
work=$2
out=$work/partitions
failed=0
checked=0
mkdir -p "$out"
for eml in "$work"/*.int8.eml; do
	[ -e "$eml" ] || { echo "partition_check: no models in $work (run the cross-check first)"; exit 1; }
	model=$(basename "$eml" .eml)
	in=$(ls "$work/$model.0"/in_*.npy | head -1)
	name=$(basename "$in" .npy)
	name=${name#in_}
	"$edgeml" run "$eml" --input "$name=$in" --output-dir "$out/$model.gpu" \
		--backend vulkan >/dev/null || { echo "FAIL $model: the whole-GPU run failed"; exit 1; }
	for ops in QLinearAdd QLinearConv,Add QLinearGlobalAveragePool,QLinearMatMul,QLinearGemm \
		QuantizeLinear,DequantizeLinear,Relu; do
		log=$out/$model.log
		if ! EDGEML_VK_NO_SHADER=$ops "$edgeml" run "$eml" --input "$name=$in" \
			--output-dir "$out/$model.part" --backend vulkan --cpu-fallback --verbose \
			>"$log" 2>&1; then
			echo "FAIL $model [$ops]: $(tail -1 "$log")"
			failed=$((failed + 1))
			continue
		fi
		parts=$(grep -o '[0-9]* partitions*:' "$log" | head -1 | cut -d' ' -f1)
		[ -n "$parts" ] || continue
		for f in "$out/$model.gpu"/*.npy; do
			if cmp -s "$f" "$out/$model.part/$(basename "$f")"; then
				echo "PASS $model [$ops]: $parts partitions, same bytes"
			else
				echo "FAIL $model [$ops]: $parts partitions, output $(basename "$f") differs"
				failed=$((failed + 1))
			fi
			checked=$((checked + 1))
		done
	done
done
echo "partition_check: $checked checked, $failed failed"
[ "$failed" -eq 0 ] && [ "$checked" -gt 0 ]
