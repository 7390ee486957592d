package io.pg2gp.connector.gpfdist;

import io.pg2gp.connector.gpfdist.internal.Publication;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Optional;

/**
 * A batch published on a {@link GpfdistServer} under its own unguessable path. Use {@link #url()}
 * in the external table's LOCATION; {@link GpfdistServer#release release} it once the load that
 * read it has committed.
 */
@PublicEvolving
public final class PublishedBatch {

    private final Publication publication;
    private final String url;
    private final long rowCount;
    private final long byteSize;

    PublishedBatch(Publication publication, String url, ServedBatch batch) {
        this.publication = publication;
        this.url = url;
        this.rowCount = batch.rowCount();
        this.byteSize = batch.byteSize();
    }

    /** The request path, e.g. {@code /k2b6...}. */
    public String path() {
        return publication.path();
    }

    /** {@code gpfdist://<advertised-host>:<port>/<path>}. */
    public String url() {
        return url;
    }

    public long rowCount() {
        return rowCount;
    }

    public long byteSize() {
        return byteSize;
    }

    /** The message readers get as an {@code E} frame, once the batch was failed or released. */
    public Optional<String> failure() {
        return Optional.ofNullable(publication.failure());
    }

    public boolean isReleased() {
        return publication.isReleased();
    }

    Publication publication() {
        return publication;
    }

    @Override
    public String toString() {
        return "PublishedBatch{" + url + ", rows=" + rowCount + ", bytes=" + byteSize + "}";
    }
}
