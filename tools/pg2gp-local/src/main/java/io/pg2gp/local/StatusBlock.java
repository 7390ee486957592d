package io.pg2gp.local;

import java.util.List;

/**
 * One status block of {@code ./pg2gp run}, as printed: the jobs, a line per table applied in this
 * run, the requests in warehouse and source, then freshness, dead letters and the slot's lag. Each
 * line fits 80 columns with counts in the millions.
 *
 * @param warehouseRequests null until the warehouse tables exist (then freshness and dead letters
 *     are unknown too)
 * @param slotLag null while the replication slot does not exist yet
 */
record StatusBlock(
        String time,
        String jobs,
        List<TableLine> tables,
        Long warehouseRequests,
        double freshnessSeconds,
        long deadLetters,
        long sourceRequests,
        String slotLag) {

    /** A table's changes since the last block and versions written and removed in this run. */
    record TableLine(String table, long newChanges, long written, long removed) {}

    String render() {
        StringBuilder out = new StringBuilder(time).append(' ').append(jobs).append('\n');
        for (TableLine t : tables) {
            out.append(
                    String.format(
                            "  %-20s +%-6d changes  written %,d  removed %,d%n",
                            t.table().replaceFirst("^public\\.", ""),
                            t.newChanges(),
                            t.written(),
                            t.removed()));
        }
        if (tables.isEmpty()) {
            out.append("  warehouse: waiting for the first commit\n");
        }
        out.append(
                String.format(
                        "  requests: warehouse %s · source %,d%n",
                        warehouseRequests == null ? "-" : String.format("%,d", warehouseRequests),
                        sourceRequests));
        out.append("  ");
        if (warehouseRequests != null) {
            out.append(
                    String.format(
                            "freshness %.1fs · dead letters %d · ", freshnessSeconds, deadLetters));
        }
        out.append("slot lag ").append(slotLag == null ? "(no slot yet)" : slotLag).append('\n');
        return out.toString();
    }
}
