package io.pg2gp.testutils;

import org.junit.jupiter.api.Assumptions;

/**
 * The shared Greenplum of a test JVM, next to {@link SharedPostgres}: the user's cluster ({@value
 * GreenplumCluster#ENV_URL}) or the one {@code gp-cluster} creates once per build. Where neither
 * exists, Greenplum tests are skipped with a one-line reason, except under CI ({@code CI=true}),
 * where a skipped Greenplum test would hide that the target that matters went untested: there they
 * fail.
 */
public final class SharedGreenplum {

    private static GreenplumCluster cluster;
    private static String unavailable;

    private SharedGreenplum() {}

    /** The cluster; skips (or, under CI, fails) the calling test when there is none. */
    public static synchronized GreenplumCluster cluster() {
        if (cluster == null && unavailable == null) {
            cluster = GreenplumCluster.locate().orElse(null);
            if (cluster == null) {
                unavailable =
                        "no Greenplum: set "
                                + GreenplumCluster.ENV_URL
                                + " to a cluster's coordinator, or "
                                + GreenplumCluster.ENV_SCRIPT
                                + " to gp-cluster (default ../shared/greenplum/gp-cluster)";
            }
        }
        if (cluster == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true and " + unavailable);
            }
            Assumptions.abort(unavailable);
        }
        return cluster;
    }

    /** A fresh database on the shared cluster, unique in this JVM. */
    public static String createDatabase(String prefix) {
        return cluster().createDatabase(SharedPostgres.uniqueDatabase(prefix));
    }
}
