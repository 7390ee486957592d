package io.pg2gp.connector.warehouse.internal.commit;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a {@link BatchApplier} on a connection whose statements and commit can be observed from
 * other sessions: after every statement of the apply, and just before its commit (while the apply
 * still holds every lock it took), a hook runs on the caller's thread. The locks an apply holds are
 * read from Greenplum's cluster-wide {@code pg_locks} by the apply's {@code gp_session_id}.
 */
final class ObservedApply {

    /** Called after each statement (with its text) and once before the commit (text "COMMIT"). */
    interface Hook {
        void after(String sql) throws SQLException;
    }

    private ObservedApply() {}

    /** The session id of {@code c}, which tags its locks on the coordinator and every segment. */
    static int sessionId(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW gp_session_id")) {
            rs.next();
            return Integer.parseInt(rs.getString(1));
        }
    }

    /**
     * The relation locks of session {@code session} on tables of schema public and of the
     * bookkeeping schema, as "relation mode[ waiting]" -> segments holding it (-1 = coordinator).
     * Partitions of one table are folded into "table_1_prt_*".
     */
    static Map<String, List<Integer>> relationLocks(Connection observer, int session)
            throws SQLException {
        Map<String, List<Integer>> locks = new TreeMap<>();
        try (PreparedStatement p =
                observer.prepareStatement(
                        "SELECT c.relname, l.mode, l.granted, l.gp_segment_id FROM pg_locks l"
                                + " JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON"
                                + " n.oid = c.relnamespace WHERE l.locktype = 'relation' AND"
                                + " l.mppsessionid = ? AND n.nspname IN ('public', 'pg2gp')"
                                + " ORDER BY 1, 2, 4")) {
            p.setInt(1, session);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    String rel = rs.getString(1).replaceAll("_1_prt_\\w+$", "_1_prt_*");
                    String key = rel + " " + rs.getString(2) + (rs.getBoolean(3) ? "" : " WAITING");
                    List<Integer> segs = locks.computeIfAbsent(key, k -> new ArrayList<>());
                    segs.add(rs.getInt(4));
                }
            }
        }
        return locks;
    }

    /** Applies {@code committable} on {@code c}, calling {@code hook} as described above. */
    static BatchApplier.Result apply(
            BatchApplier applier, Connection c, WarehouseCommittable committable, Hook hook)
            throws SQLException {
        Connection observed =
                (Connection)
                        Proxy.newProxyInstance(
                                Connection.class.getClassLoader(),
                                new Class<?>[] {Connection.class},
                                (proxy, method, a) -> {
                                    switch (method.getName()) {
                                        case "commit":
                                            hook.after("COMMIT");
                                            return invoke(method, c, a);
                                        case "createStatement":
                                            return observed(c.createStatement(), hook);
                                        default:
                                            return invoke(method, c, a);
                                    }
                                });
        return applier.apply(observed, committable);
    }

    private static Statement observed(Statement s, Hook hook) {
        return (Statement)
                Proxy.newProxyInstance(
                        Statement.class.getClassLoader(),
                        new Class<?>[] {Statement.class},
                        (proxy, method, a) -> {
                            Object result = invoke(method, s, a);
                            if (method.getName().startsWith("execute")
                                    && a != null
                                    && a[0] instanceof String sql) {
                                hook.after(sql);
                            }
                            return result;
                        });
    }

    private static Object invoke(Method method, Object target, Object[] a) throws Throwable {
        try {
            return method.invoke(target, a);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
