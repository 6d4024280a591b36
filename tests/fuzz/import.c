/* libFuzzer harness: the series importers (bars, funding, DVOL, rates)
 * through hs_import_file, on arbitrary file contents.  Input: a first line
 * naming the format (tests/fuzz/fuzzutil.h), then the CSV file.  The seed
 * corpus in tests/fuzz/import/ holds the first rows of real files of each
 * format.  Build and run with `make fuzz`. */
#include "fuzzutil.h"

static const fuzz_format formats[] = {
    {HS_FMT_GENERIC, "TESTX", HS_KIND_SPOT, NULL, 0},
    {HS_FMT_CDD, "BTC", HS_KIND_SPOT, NULL, 0},
    {HS_FMT_BINANCE_FUNDING, "BTC-PERP", HS_KIND_PERP, "BTC", 0},
    {HS_FMT_BITMEX_FUNDING, "XBTUSD", HS_KIND_PERP, "BTC", 0},
    {HS_FMT_DERIBIT_FUNDING, "BTC-PERPETUAL", HS_KIND_PERP, "BTC", 0},
    {HS_FMT_DVOL, "BTC-DVOL", HS_KIND_INDEX, "BTC", 0},
    {HS_FMT_FRED, NULL, HS_KIND_SPOT, NULL, 0},
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    hs_init();
    fuzz_init_file("import");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz_format *f =
        fuzz_pick(formats, sizeof formats / sizeof *formats, &data, &size);
    /* The last byte chooses drop_last / drop_first, as the manifest can. */
    unsigned flags = size ? data[size - 1] : 0;
    fuzz_write(data, size);
    fuzz_import(f, (flags & 0x10) != 0, (flags & 0x20) != 0);
    return 0;
}
