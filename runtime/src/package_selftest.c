/*
 * package_selftest.c — running a package's self-tests (docs/fleet.md): the vectors the
 * release was checked with, run again on this device and backend, so that a device finds out
 * before switching to a model that it computes something else here (another kernel, a driver
 * bug, a wrong requantization). Uses the public API only.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "model.h"
#include "package.h"

/* Element i of an output of dtype as a double. */
static double element(const void *p, edgeml_dtype dtype, size_t i)
{
	switch (dtype) {
	case EDGEML_DTYPE_FLOAT32: return ((const float *)p)[i];
	case EDGEML_DTYPE_UINT8: return ((const uint8_t *)p)[i];
	case EDGEML_DTYPE_INT8: return ((const int8_t *)p)[i];
	case EDGEML_DTYPE_INT32: return ((const int32_t *)p)[i];
	case EDGEML_DTYPE_INT64: return (double)((const int64_t *)p)[i];
	}
	return 0.0;
}

/* Runs self-test index on session s and compares its output. */
static edgeml_status run_one(const edgeml_model *model, edgeml_session *s, uint32_t index,
			     const eml_pkg_selftest_view *t)
{
	size_t n_in = edgeml_model_input_count(model);
	if (t->input_index >= n_in || t->output_index >= edgeml_model_output_count(model))
		return eml_error(EDGEML_ERR_FORMAT,
				 "self-test %" PRIu32 " names input %" PRIu32 " and output %" PRIu32
				 ", which the model does not have",
				 index, t->input_index, t->output_index);
	edgeml_tensor *tensor;
	edgeml_tensor_info info;
	for (size_t i = 0; i < n_in; i++) {
		edgeml_status st = edgeml_session_input(s, i, &tensor);
		if (st == EDGEML_OK)
			st = edgeml_tensor_info_get(tensor, &info);
		if (st != EDGEML_OK)
			return st;
		if (i == t->input_index) {
			if (info.size_bytes != t->input_size)
				return eml_error(EDGEML_ERR_FORMAT,
						 "self-test %" PRIu32 " has %" PRIu32
						 " input bytes; input '%s' takes %zu",
						 index, t->input_size, info.name, info.size_bytes);
			st = edgeml_tensor_write(tensor, t->input, t->input_size);
		} else {
			memset(edgeml_tensor_data(tensor), 0, info.size_bytes);
		}
		if (st != EDGEML_OK)
			return st;
	}
	edgeml_status st = edgeml_session_run(s);
	if (st == EDGEML_OK)
		st = edgeml_session_output(s, t->output_index, &tensor);
	if (st == EDGEML_OK)
		st = edgeml_tensor_info_get(tensor, &info);
	if (st != EDGEML_OK)
		return st;
	size_t esize = edgeml_dtype_size(info.dtype);
	if (info.size_bytes != t->expected_size || esize == 0)
		return eml_error(EDGEML_ERR_FORMAT,
				 "self-test %" PRIu32 " expects %" PRIu32 " bytes; output '%s' has %zu",
				 index, t->expected_size, info.name, info.size_bytes);
	const void *got = edgeml_tensor_data(tensor);
	for (size_t i = 0; i < info.size_bytes / esize; i++) {
		double a = element(got, info.dtype, i), b = element(t->expected, info.dtype, i);
		if (!(fabs(a - b) <= (double)t->tolerance) && !(isnan(a) && isnan(b)))
			return eml_error(EDGEML_ERR_SELFTEST,
					 "self-test %" PRIu32 ": output '%s' element %zu is %.9g on "
					 "this device (%s), expected %.9g within %g",
					 index, info.name, i, a, edgeml_session_backend_name(s), b,
					 (double)t->tolerance);
	}
	return EDGEML_OK;
}

/* Timed passes over all self-tests when the package states a latency budget: one warm-up
 * (the checked pass above), then this many; their median is held against the budget. */
#define BUDGET_RUNS 5

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Times BUDGET_RUNS passes over every self-test (each pass re-checks the outputs) and
 * refuses when their median exceeds the package's budget. */
static edgeml_status check_budget(const edgeml_model *model, edgeml_session *s,
				  const struct eml_model_package *pkg)
{
	double t[BUDGET_RUNS];
	for (int r = 0; r < BUDGET_RUNS; r++) {
		double t0 = now_ms();
		for (uint32_t i = 0; i < pkg->n_selftests; i++) {
			edgeml_status st = run_one(model, s, i, &pkg->selftests[i]);
			if (st != EDGEML_OK)
				return st;
		}
		t[r] = now_ms() - t0;
	}
	qsort(t, BUDGET_RUNS, sizeof(t[0]), cmp_double);
	double median = t[BUDGET_RUNS / 2];
	if (median > pkg->latency_budget_ms)
		return eml_error(EDGEML_ERR_SELFTEST,
				 "self-test latency on this device (%s): median %.4f ms of %d runs "
				 "is over the package's budget of %g ms",
				 edgeml_session_backend_name(s), median, BUDGET_RUNS,
				 pkg->latency_budget_ms);
	return EDGEML_OK;
}

edgeml_status edgeml_model_run_selftests(const edgeml_model *model,
					 const edgeml_session_options *options, uint32_t *passed)
{
	eml_error_clear();
	if (passed)
		*passed = 0;
	if (!model)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "model must not be NULL");
	const struct eml_model_package *pkg = model->package;
	if (!pkg)
		return eml_error(EDGEML_ERR_NOT_FOUND, "the model was not loaded from a package");
	if (pkg->n_selftests == 0)
		return EDGEML_OK;
	edgeml_session *s = NULL;
	edgeml_status st = edgeml_session_create(model, options, &s);
	for (uint32_t i = 0; st == EDGEML_OK && i < pkg->n_selftests; i++) {
		st = run_one(model, s, i, &pkg->selftests[i]);
		if (st == EDGEML_OK && passed)
			(*passed)++;
	}
	if (st == EDGEML_OK && pkg->latency_budget_ms > 0.0)
		st = check_budget(model, s, pkg);
	if (s)
		edgeml_session_destroy(s);
	return st;
}
