package io.pg2gp.jobs.rollup.recompute;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * VACUUM of the tables the side job rewrites, each on its own in autocommit. A table the role may
 * not vacuum (the server skips it with a warning) or a failed statement is left out and reported
 * through {@code failed}, never thrown: the results do not depend on it.
 */
final class TableVacuum {

    private TableVacuum() {}

    /** Returns the tables vacuumed. */
    static List<String> each(Connection c, List<String> tables, BiConsumer<String, String> failed)
            throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        List<String> vacuumed = new ArrayList<>();
        try {
            for (String table : tables) {
                String statement = "VACUUM " + table;
                try (Statement s = c.createStatement()) {
                    s.execute(statement);
                    SQLWarning w = s.getWarnings();
                    if (w != null
                            && w.getMessage() != null
                            && w.getMessage().contains("skipping")) {
                        failed.accept(statement, w.getMessage());
                    } else {
                        vacuumed.add(table);
                    }
                } catch (SQLException e) {
                    failed.accept(statement, e.getMessage());
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
        return vacuumed;
    }
}
