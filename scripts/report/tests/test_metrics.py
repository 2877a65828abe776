"""Arithmetic intensity, sizes, number formatting, and the dependency check."""
import sys
import unittest
from unittest import mock

import suanli_report
from kernel_metrics import attention_intensity, gemm_intensity, gemm_size
from report_table import PCT, RATE, RATIO, format_cell
from usage_problem import UsageProblem


class IntensityTest(unittest.TestCase):
    def test_square_gemm(self):
        # 2n^3 / (2 bytes * 3 n^2) = n / 3 for fp16.
        self.assertAlmostEqual(gemm_intensity({"m": 4096, "n": 4096, "k": 4096}, "fp16"), 4096 / 3)
        # int8 writes 4-byte outputs: 2n^3 / (n^2 + n^2 + 4 n^2) = n / 3.
        self.assertAlmostEqual(gemm_intensity({"m": 300, "n": 300, "k": 300}, "int8"), 100.0)
        self.assertIsNone(gemm_intensity({"m": 0, "n": 1, "k": 1}, "fp32"))

    def test_attention(self):
        shape = {"b": 1, "h": 8, "h_kv": 8, "s_q": 1024, "s_kv": 1024, "d": 64}
        flops = 4.0 * 8 * 1024 * 1024 * 64
        # Q, K, V, O: 4 * 8 * 1024 * 64 elements of 2 bytes.
        self.assertAlmostEqual(attention_intensity(shape, "fp16", flops), flops / (2 * 4 * 8 * 1024 * 64))

    def test_gemm_size(self):
        self.assertAlmostEqual(gemm_size({"m": 1024, "n": 1024, "k": 1024}), 1024)


class FormatTest(unittest.TestCase):
    def test_cells(self):
        self.assertEqual(format_cell(741.9652, RATE), "742")
        self.assertEqual(format_cell(1309.4, RATE), "1,309")
        self.assertEqual(format_cell(0.025, RATE), "0.025")
        self.assertEqual(format_cell(75.04, PCT), "75.0%")
        self.assertEqual(format_cell(0.17, RATIO), "0.17×")
        self.assertEqual(format_cell(None, RATE), "–")
        self.assertEqual(format_cell("failed", RATE), "failed")


class DependencyTest(unittest.TestCase):
    def test_missing_matplotlib_is_a_usage_problem(self):
        with mock.patch.dict(sys.modules, {"matplotlib": None}):
            with self.assertRaisesRegex(UsageProblem, "python3-matplotlib"):
                suanli_report.check_dependencies()

    def test_options(self):
        for argv in (["--mfu", "0"], ["--mfu", "1.5"], ["--plan-days", "0"], ["--plan-chips", "0"]):
            options = suanli_report.parse_args(["--chips", "c", "--out", "o", "r.json", *argv])
            with self.assertRaises(UsageProblem, msg=argv):
                suanli_report.check_options(options)


if __name__ == "__main__":
    unittest.main()
