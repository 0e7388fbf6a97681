package io.contrastream.cli;

import java.util.Locale;

/**
 * Progress lines on stderr for the long stages of a command (embedding tens of thousands of images, a
 * probe): one line when a stage starts, one at every tenth of its items, one when it ends, each with the
 * seconds since the command started — so a user sees it move and knows what takes the time.
 *
 * <pre>{@code
 * Progress p = new Progress("eval", System.nanoTime());
 * Progress.Stage s = p.stage("embedding 60000 train images", 60000);
 * s.advance(500);  // ... "eval: embedding 60000 train images: 6000/60000 (10 %), 12 s"
 * s.done();
 * }</pre>
 */
final class Progress {
    private final String command;
    private final long start;

    Progress(String command, long start) {
        this.command = command;
        this.start = start;
    }

    /** A stage of {@code total} items (0: no count, only start and end). */
    Stage stage(String what, long total) {
        System.err.printf(Locale.ROOT, "%s: %s ... (%.0f s)%n", command, what, seconds());
        return new Stage(what, total);
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    final class Stage {
        private final String what;
        private final long total;
        private long done;
        private long nextReport;

        private Stage(String what, long total) {
            this.what = what;
            this.total = total;
            this.nextReport = Math.max(1, total / 10);
        }

        void advance(long items) {
            done += items;
            if (total > 0 && done >= nextReport && done < total) {
                System.err.printf(Locale.ROOT, "%s: %s: %d/%d (%d %%), %.0f s%n", command, what, done, total,
                        100 * done / total, seconds());
                nextReport = (done / Math.max(1, total / 10) + 1) * Math.max(1, total / 10);
            }
        }

        void done() {
            System.err.printf(Locale.ROOT, "%s: %s: done, %.0f s%n", command, what, seconds());
        }
    }
}
