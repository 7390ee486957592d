package io.pg2gp.jobs.settings;

/**
 * A user's mistake in the settings or arguments: the message is one line that says what to change,
 * so entry points print it without a stack trace and exit with status 2 ({@link #exitOnUserError}).
 */
public final class SettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Exit status for a user error, as command-line tools use it for bad usage. */
    public static final int EXIT_STATUS = 2;

    public SettingException(String message) {
        super(message);
    }

    public SettingException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Runs an entry point; a user error prints one line (stack trace with PG2GP_DEBUG=1). */
    public static void exitOnUserError(String program, EntryPoint main) throws Exception {
        try {
            main.run();
        } catch (SettingException e) {
            System.err.println(program + ": " + e.getMessage());
            if (System.getenv("PG2GP_DEBUG") != null) {
                e.printStackTrace();
            }
            System.exit(EXIT_STATUS);
        }
    }

    /** An entry point's body. */
    @FunctionalInterface
    public interface EntryPoint {
        void run() throws Exception;
    }
}
