package io.pg2gp.benchmarks;

import java.util.ArrayList;
import java.util.List;

/** One thing measured R times: its rates (rows/s) and the row check of each run. */
final class Measurement {

    private final String name;
    private final List<Double> rates = new ArrayList<>();
    private final List<String> checks = new ArrayList<>();

    Measurement(String name) {
        this.name = name;
    }

    /**
     * Records one run of {@code rows} rows in {@code nanos}; {@code check} says what was verified
     * afterwards (e.g. "1000000/1000000 rows in requests_analytical").
     */
    double add(long rows, long nanos, String check) {
        double rate = rows / (nanos / 1e9);
        rates.add(rate);
        checks.add(check);
        Report.line("%-44s %8.2f s  %s  [%s]", name, nanos / 1e9, Report.rate(rate), check);
        return rate;
    }

    String name() {
        return name;
    }

    boolean isEmpty() {
        return rates.isEmpty();
    }

    double median() {
        if (rates.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(rates);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The summary line: median, every run's rate, and the row checks. */
    void printSummary() {
        StringBuilder runs = new StringBuilder();
        for (double r : rates) {
            runs.append(runs.length() == 0 ? "" : ", ").append(String.format("%,.0f", r));
        }
        Report.line("%-44s median %s  (runs: %s)", name, Report.rate(median()), runs);
        Report.line("%-44s rows checked: %s", "", String.join("; ", checks));
    }
}
