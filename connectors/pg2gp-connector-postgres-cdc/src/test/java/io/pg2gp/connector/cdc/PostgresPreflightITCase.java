package io.pg2gp.connector.cdc;

import io.pg2gp.testutils.PostgresServer;
import io.pg2gp.testutils.SharedPostgres;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each missing piece of CDC set-up stops start-up with the exact statement that fixes it. */
class PostgresPreflightITCase {

    private static final String SCHEMA =
            "CREATE TABLE public.users (id uuid PRIMARY KEY, email text);"
                    + "CREATE TABLE public.requests (id uuid PRIMARY KEY, user_id uuid);";

    private static PostgresCdcOptions.Builder options(PostgresServer server, String db) {
        return PostgresCdcOptions.builder()
                .host("127.0.0.1")
                .port(server.port())
                .database(db)
                .user(PostgresServer.SUPERUSER)
                .slotName("preflight_" + db)
                .publicationName("pg2gp")
                .tables(List.of("public.users", "public.requests"));
    }

    private static String database(PostgresServer server) {
        String db = server.createDatabase(SharedPostgres.uniqueDatabase("pf"));
        server.execute(db, SCHEMA);
        return db;
    }

    @Test
    void aReadySourcePasses() {
        PostgresServer source = SharedPostgres.source();
        String db = database(source);
        source.execute(
                db,
                "ALTER TABLE public.users REPLICA IDENTITY FULL;"
                        + "ALTER TABLE public.requests REPLICA IDENTITY FULL;"
                        + "CREATE PUBLICATION pg2gp FOR TABLE public.users, public.requests");
        assertThatCode(() -> new PostgresPreflight(options(source, db).build()).check(2))
                .doesNotThrowAnyException();
    }

    @Test
    void walLevelNotLogicalSaysWhatToRun() {
        PostgresServer plain = SharedPostgres.warehouse(); // wal_level=replica
        String db = database(plain);
        assertThatThrownBy(
                        () ->
                                new PostgresPreflight(
                                                options(plain, db)
                                                        .requireReplicaIdentityFull(false)
                                                        .createPublication(true)
                                                        .build())
                                        .check(1))
                .hasMessageContaining("ALTER SYSTEM SET wal_level = logical");
    }

    @Test
    void missingPublicationReplicaIdentityAndTableEachSayWhatToRun() {
        PostgresServer source = SharedPostgres.source();
        String db = database(source);
        assertThatThrownBy(() -> new PostgresPreflight(options(source, db).build()).check(1))
                .hasMessageContaining(
                        "CREATE PUBLICATION pg2gp FOR TABLE public.users, public.requests;")
                .hasMessageContaining("ALTER TABLE public.users REPLICA IDENTITY FULL;")
                .hasMessageContaining("ALTER TABLE public.requests REPLICA IDENTITY FULL;");
        source.execute(db, "CREATE PUBLICATION pg2gp FOR TABLE public.users");
        assertThatThrownBy(
                        () ->
                                new PostgresPreflight(
                                                options(source, db)
                                                        .requireReplicaIdentityFull(false)
                                                        .build())
                                        .check(1))
                .hasMessageContaining("ALTER PUBLICATION pg2gp ADD TABLE public.requests;");
        assertThatThrownBy(
                        () ->
                                new PostgresPreflight(
                                                options(source, db)
                                                        .requireReplicaIdentityFull(false)
                                                        .tables(
                                                                List.of(
                                                                        "public.users",
                                                                        "public.nope"))
                                                        .build())
                                        .check(1))
                .hasMessageContaining("table public.nope does not exist");
    }

    @Test
    void aRoleWithoutReplicationOrSelectSaysWhatToGrant() {
        PostgresServer source = SharedPostgres.source();
        String db = database(source);
        String role = "pf_" + db;
        source.execute(
                db,
                "CREATE ROLE "
                        + role
                        + " LOGIN; CREATE PUBLICATION pg2gp FOR TABLE public.users, public.requests");
        assertThatThrownBy(
                        () ->
                                new PostgresPreflight(
                                                options(source, db)
                                                        .user(role)
                                                        .requireReplicaIdentityFull(false)
                                                        .build())
                                        .check(1))
                .hasMessageContaining("ALTER ROLE " + role + " REPLICATION;")
                .hasMessageContaining("GRANT SELECT ON public.users TO " + role + ";");
    }

    @Test
    void committedStartupNeedsAnExistingSlot() {
        PostgresServer source = SharedPostgres.source();
        String db = database(source);
        source.execute(db, "CREATE PUBLICATION pg2gp FOR TABLE public.users, public.requests");
        assertThatThrownBy(
                        () ->
                                new PostgresPreflight(
                                                options(source, db)
                                                        .requireReplicaIdentityFull(false)
                                                        .startupMode(StartupMode.COMMITTED)
                                                        .build())
                                        .check(1))
                .hasMessageContaining("startup mode 'committed'")
                .hasMessageContaining("does not exist");
    }

    @Test
    void anUnreachableSourceIsReportedWithTheUrl() {
        assertThatThrownBy(
                        () ->
                                new PostgresPreflight(
                                                PostgresCdcOptions.builder()
                                                        .host("127.0.0.1")
                                                        .port(1)
                                                        .database("app")
                                                        .user("x")
                                                        .tables(List.of("public.users"))
                                                        .build())
                                        .check(1))
                .hasMessageContaining(
                        "cannot connect to the source jdbc:postgresql://127.0.0.1:1/app");
    }
}
