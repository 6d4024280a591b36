/* libFuzzer harness: the option-chain importers (deribit-ticker,
 * deribit-marks, deribit-usd) through hs_import_file, on arbitrary file
 * contents.  Input: a first line naming the format (tests/fuzz/fuzzutil.h),
 * then the CSV file.  The seed corpus in tests/fuzz/chain/ holds the first
 * rows of the embedded snapshots.  Build and run with `make fuzz`. */
#include "fuzzutil.h"

/* 2024-05-24T13:07:00Z and 2025-03-30T12:10:00Z: the snapshot times the
 * manifest gives the embedded deribit-marks and deribit-usd files. */
static const fuzz_format formats[] = {
    {HS_FMT_DERIBIT_TICKER, NULL, HS_KIND_OPTION, "BTC", 0},
    {HS_FMT_DERIBIT_MARKS, NULL, HS_KIND_OPTION, "BTC", 1716556020000LL},
    {HS_FMT_DERIBIT_USD, NULL, HS_KIND_OPTION, "BTC", 1743336600000LL},
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    hs_init();
    fuzz_init_file("chain");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz_format *f =
        fuzz_pick(formats, sizeof formats / sizeof *formats, &data, &size);
    fuzz_write(data, size);
    fuzz_import(f, 0, 0);
    return 0;
}
