package io.pg2gp.connector.warehouse;

import io.pg2gp.connector.warehouse.internal.commit.BatchAggregatorOperator;
import io.pg2gp.connector.warehouse.internal.commit.BatchApplier;
import io.pg2gp.connector.warehouse.internal.commit.SingleCommitterStream;
import io.pg2gp.connector.warehouse.internal.commit.StagedBatch;
import io.pg2gp.connector.warehouse.internal.commit.StagedBatchSerializer;
import io.pg2gp.connector.warehouse.internal.commit.WarehouseCommittable;
import io.pg2gp.connector.warehouse.internal.commit.WarehouseCommittableSerializer;
import io.pg2gp.connector.warehouse.internal.commit.WarehouseCommitter;
import io.pg2gp.connector.warehouse.internal.commit.WarehouseHousekeeper;
import io.pg2gp.connector.warehouse.internal.load.StagingLoader;
import io.pg2gp.connector.warehouse.internal.load.StagingLoaders;
import io.pg2gp.connector.warehouse.internal.sql.ApplyStatements;
import io.pg2gp.connector.warehouse.internal.sql.BookkeepingTables;
import io.pg2gp.connector.warehouse.internal.sql.HousekeepingStatements;
import io.pg2gp.connector.warehouse.internal.sql.WarehouseSetup;
import io.pg2gp.connector.warehouse.internal.writer.WarehouseWriter;
import io.pg2gp.connector.warehouse.internal.writer.WriterState;
import io.pg2gp.connector.warehouse.internal.writer.WriterStateSerializer;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessageTypeInfo;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Exactly-once sink of one warehouse table (PostgreSQL or Greenplum) without XA: writers stage rows
 * continuously, tagged with their checkpoint; when a checkpoint completes a single committer
 * applies that checkpoint's rows of every writer in one transaction together with a ledger entry.
 * Create it with {@link #builder()}.
 *
 * @param <IN> stream element type
 */
@PublicEvolving
public final class WarehouseSink<IN>
        implements Sink<IN>,
                SupportsWriterState<IN, WriterState>,
                SupportsCommitter<WarehouseCommittable>,
                SupportsPreCommitTopology<StagedBatch, WarehouseCommittable> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WarehouseSink.class);

    private final WarehouseSinkOptions options;
    private final WarehouseRecordSerializer<IN> serializer;

    WarehouseSink(WarehouseSinkOptions options, WarehouseRecordSerializer<IN> serializer) {
        this.options = options;
        this.serializer = serializer;
    }

    public static <IN> WarehouseSinkBuilder<IN> builder() {
        return new WarehouseSinkBuilder<>();
    }

    public WarehouseSinkOptions options() {
        return options;
    }

    /**
     * Prepares the warehouse before the job is submitted, from the client: checks that the target
     * table fits and that the role holds every privilege the sink needs, then creates the
     * bookkeeping objects, so the writers and committers of all subtasks find them and run no DDL.
     * A failure says which step failed and why; missing privileges are listed with the statements
     * that grant them.
     *
     * @return warnings the caller may show (already logged), e.g. a loader that will fall back
     * @throws IllegalStateException when the warehouse cannot be reached, lacks a privilege or a
     *     statement fails
     */
    public List<String> prepare() {
        WarehouseConnectionOptions connection = options.connection();
        WarehouseTable table = options.table();
        Connection c;
        try {
            c = connection.open(applicationName("prepare"));
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot connect to the warehouse "
                            + connection.url()
                            + " as "
                            + connection.user()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        String step = "detecting the warehouse (SELECT version())";
        try (c) {
            WarehouseDialect dialect = WarehouseDialect.detect(c);
            step = "checking the target table " + table.qualifiedName();
            WarehouseSetup.checkTarget(c, table, options.deleteMode());
            step = "checking the privileges of role " + connection.user();
            BookkeepingTables bookkeeping =
                    new BookkeepingTables(options.bookkeepingSchema(), dialect);
            RolePrivileges privileges = new RolePrivileges(c);
            List<RolePrivileges.Missing> missing =
                    new ArrayList<>(
                            privileges.missingForSink(bookkeeping, table, options.deleteMode()));
            List<String> warnings = new ArrayList<>();
            if (dialect.hasExternalTables()
                    && options.loader() != LoaderKind.COPY
                    && !privileges.canCreateGpfdistTables()) {
                RolePrivileges.Missing gpfdist = privileges.gpfdistGrant();
                if (options.loader() == LoaderKind.GPFDIST) {
                    missing.add(gpfdist);
                } else {
                    warnings.add(
                            "loader is AUTO, but role "
                                    + privileges.role()
                                    + " may not create gpfdist external tables, so the writers of "
                                    + table.qualifiedName()
                                    + " stage through COPY via the coordinator; for parallel"
                                    + " loading run as an administrator: "
                                    + gpfdist.grant());
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException(
                        "warehouse role "
                                + privileges.role()
                                + " lacks privileges the sink of "
                                + table.qualifiedName()
                                + " needs; run as an administrator:\n"
                                + missing.stream()
                                        .map(m -> "  " + m)
                                        .collect(Collectors.joining("\n")));
            }
            step = "creating the bookkeeping objects in schema " + options.bookkeepingSchema();
            WarehouseSetup.ensureBookkeeping(c, bookkeeping, table);
            warnings.forEach(LOG::warn);
            return warnings;
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "preparing the warehouse for "
                            + table.qualifiedName()
                            + " failed while "
                            + step
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * @deprecated Flink calls {@link #createWriter(WriterInitContext)}.
     */
    @Override
    @Deprecated
    public SinkWriter<IN> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }

    @Override
    public StatefulSinkWriter<IN, WriterState> createWriter(WriterInitContext context)
            throws IOException {
        long restored = context.getRestoredCheckpointId().orElse(0L);
        return newWriter(context, restored + 1);
    }

    @Override
    public StatefulSinkWriter<IN, WriterState> restoreWriter(
            WriterInitContext context, Collection<WriterState> states) throws IOException {
        long last = states.stream().mapToLong(WriterState::checkpointId).max().orElse(0L);
        long restored = context.getRestoredCheckpointId().orElse(0L);
        return newWriter(context, Math.max(last, restored) + 1);
    }

    private WarehouseWriter<IN> newWriter(WriterInitContext context, long initialTag)
            throws IOException {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        WarehouseTable table = options.table();
        Connection c = null;
        try {
            c = options.connection().open(applicationName("writer-" + subtask));
            WarehouseDialect dialect = WarehouseDialect.detect(c);
            BookkeepingTables bookkeeping =
                    new BookkeepingTables(options.bookkeepingSchema(), dialect);
            WarehouseSetup.ensureBookkeeping(c, bookkeeping, table);
            StagingLoader loader =
                    StagingLoaders.open(
                            options.loader(),
                            options.gpfdist(),
                            dialect,
                            c,
                            bookkeeping,
                            table,
                            options.pipelineName(),
                            subtask);
            return new WarehouseWriter<>(
                    serializer,
                    table,
                    bookkeeping,
                    options.pipelineName(),
                    subtask,
                    initialTag,
                    options.stageChunkBytes(),
                    c,
                    loader,
                    context.metricGroup());
        } catch (SQLException e) {
            closeQuietly(c);
            throw new IOException(
                    "cannot open the warehouse sink for "
                            + table.qualifiedName()
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public Committer<WarehouseCommittable> createCommitter(CommitterInitContext context)
            throws IOException {
        WarehouseTable table = options.table();
        try (Connection c = options.connection().open(applicationName("committer"))) {
            WarehouseDialect dialect = WarehouseDialect.detect(c);
            BookkeepingTables bookkeeping =
                    new BookkeepingTables(options.bookkeepingSchema(), dialect);
            WarehouseSetup.ensureBookkeeping(c, bookkeeping, table);
            WarehouseSetup.checkTarget(c, table, options.deleteMode());
            ApplyStatements sql =
                    new ApplyStatements(
                            table,
                            bookkeeping,
                            options.deleteMode(),
                            dialect,
                            dialect.isPartitioned(c, table.qualifiedName()));
            return new WarehouseCommitter(
                    options.connection(),
                    new BatchApplier(options.pipelineName(), table, sql, options.applyMemory()),
                    new WarehouseHousekeeper(
                            options.housekeeping(),
                            new HousekeepingStatements(table, bookkeeping, dialect)),
                    applicationName("committer"),
                    context.metricGroup());
        } catch (SQLException e) {
            throw new IOException(
                    "cannot open the warehouse committer for "
                            + table.qualifiedName()
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public DataStream<CommittableMessage<WarehouseCommittable>> addPreCommitTopology(
            DataStream<CommittableMessage<StagedBatch>> staged) {
        String name = "Gather batches: " + options.table().qualifiedName();
        DataStream<CommittableMessage<WarehouseCommittable>> gathered =
                staged.global()
                        .transform(
                                name,
                                CommittableMessageTypeInfo.of(WarehouseCommittableSerializer::new),
                                new BatchAggregatorOperator(options.table().qualifiedName()))
                        // A uid here makes Flink refuse a sinkTo(sink) without one (found by
                        // Flink's SinkTestSuiteBase); a fixed hash keeps the id stable, also for
                        // jobs that turn off pipeline.auto-generate-uids.
                        .setUidHash(gathererHash())
                        .setParallelism(1)
                        .setMaxParallelism(1)
                        // Not chained to the committer: a chain takes the gatherer's max
                        // parallelism, which the committer's saved state does not have.
                        .global();
        // One committer subtask, which applies a table's batches one at a time.
        return new SingleCommitterStream<>(gathered);
    }

    @Override
    public SimpleVersionedSerializer<StagedBatch> getWriteResultSerializer() {
        return StagedBatchSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<WarehouseCommittable> getCommittableSerializer() {
        return WarehouseCommittableSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<WriterState> getWriterStateSerializer() {
        return WriterStateSerializer.INSTANCE;
    }

    /** 32 hex digits, unique per pipeline and table within a job. */
    private String gathererHash() {
        String id =
                "pg2gp-gather/" + options.pipelineName() + "/" + options.table().qualifiedName();
        try {
            byte[] md5 =
                    MessageDigest.getInstance("MD5").digest(id.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every Java runtime", e);
        }
    }

    private String applicationName(String role) {
        return "pg2gp " + options.pipelineName() + " " + options.table().name() + " " + role;
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already failing
            }
        }
    }
}
