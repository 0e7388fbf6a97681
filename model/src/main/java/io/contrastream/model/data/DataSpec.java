package io.contrastream.model.data;

import io.contrastream.model.augment.image.Image;
import io.contrastream.model.augment.image.Resize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A data source named on the command line, parsed from a SPEC string:
 * <ul>
 *   <li>{@code idx:IMAGES,LABELS} - a pair of IDX files (gzipped or plain);
 *   <li>{@code fashion-mnist:DIR[:train|test]} - the Fashion-MNIST files in DIR
 *       ({@code train-images-idx3-ubyte.gz} + {@code train-labels-idx1-ubyte.gz}, or {@code t10k-...}
 *       for test; the un-gzipped names are accepted too); split defaults to train;
 *   <li>{@code mnist:DIR[:train|test]} - the same file layout, with digit class names;
 *   <li>{@code imagefolder:DIR} - one sub-folder of PNG/JPEG files per class.
 * </ul>
 * Any form may end in {@code @FROM:TO} to keep only the images [FROM, TO).
 *
 * <pre>{@code
 * DataSpec spec = DataSpec.parse("fashion-mnist:/usr/share/datasets/fashion-mnist:train@55000:60000");
 * ImageSet val = spec.read(1, 28);   // 5,000 gray 28x28 images
 * }</pre>
 *
 * @param kind the source type
 * @param path the IDX images file (idx) or the folder (the other kinds)
 * @param labels the IDX labels file (idx only, else null)
 * @param split "train" or "test" (fashion-mnist and mnist only, else null)
 * @param from first image kept, or -1 for no range
 * @param to one past the last image kept, or -1 for no range
 */
public record DataSpec(Kind kind, Path path, Path labels, String split, int from, int to) {

    /** The source types. */
    public enum Kind { IDX, FASHION_MNIST, MNIST, IMAGEFOLDER, SYNTHETIC }

    /** The accepted SPEC forms, for error and help messages. */
    public static final String FORMS = "idx:IMAGES,LABELS | fashion-mnist:DIR[:train|test] | mnist:DIR[:train|test]"
            + " | imagefolder:DIR | synthetic:N[:train|test], each optionally followed by @FROM:TO (e.g. fashion-mnist:/data/fm:train@55000:60000)";

    private static final Pattern RANGE = Pattern.compile("(\\d+):(\\d+)");
    private static final Pattern RANGE_LIKE = Pattern.compile("[0-9:\\-\\s]*");

    public DataSpec {
        if (kind == null || path == null) {
            throw new IllegalArgumentException("a DataSpec needs a kind and a path");
        }
        if ((from == -1) != (to == -1) || (from != -1 && (from < 0 || to <= from))) {
            throw new IllegalArgumentException("range must satisfy 0 <= FROM < TO, got @" + from + ":" + to);
        }
    }

    /** Parses a SPEC string; the error message lists the accepted forms. */
    public static DataSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw bad(spec, "it is empty");
        }
        String body = spec.trim();
        int from = -1;
        int to = -1;
        int at = body.lastIndexOf('@');
        if (at >= 0 && RANGE_LIKE.matcher(body.substring(at + 1)).matches()) {
            Matcher m = RANGE.matcher(body.substring(at + 1));
            if (!m.matches()) {
                throw bad(spec, "the range '" + body.substring(at) + "' is not @FROM:TO with whole numbers");
            }
            try {
                from = Integer.parseInt(m.group(1));
                to = Integer.parseInt(m.group(2));
            } catch (NumberFormatException e) {
                throw bad(spec, "the range '" + body.substring(at) + "' has a number that is too large");
            }
            if (to <= from) {
                throw bad(spec, "the range @" + from + ":" + to + " is empty (FROM must be less than TO)");
            }
            body = body.substring(0, at);
        }
        int colon = body.indexOf(':');
        if (colon <= 0) {
            throw bad(spec, "it does not start with a type (idx:, fashion-mnist:, mnist: or imagefolder:)");
        }
        String type = body.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = body.substring(colon + 1);
        switch (type) {
            case "idx" -> {
                String[] parts = rest.split(",", -1);
                if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                    throw bad(spec, "idx needs two files separated by a comma: idx:IMAGES,LABELS");
                }
                return new DataSpec(Kind.IDX, Path.of(parts[0].trim()), Path.of(parts[1].trim()), null, from, to);
            }
            case "fashion-mnist", "fashionmnist", "fashion_mnist", "mnist" -> {
                Kind kind = type.equals("mnist") ? Kind.MNIST : Kind.FASHION_MNIST;
                String split = "train";
                String lower = rest.toLowerCase(Locale.ROOT);
                if (lower.endsWith(":train") || lower.endsWith(":test")) {
                    int c = rest.lastIndexOf(':');
                    split = lower.substring(c + 1);
                    rest = rest.substring(0, c);
                }
                if (rest.isBlank()) {
                    throw bad(spec, type + " needs a folder: " + type + ":DIR[:train|test]");
                }
                return new DataSpec(kind, Path.of(rest), null, split, from, to);
            }
            case "synthetic" -> {
                String[] parts = rest.split(":", -1);
                String split = parts.length > 1 ? parts[1].toLowerCase(Locale.ROOT) : "train";
                if (parts.length > 2 || !parts[0].matches("\\d{1,9}") || !(split.equals("train") || split.equals("test"))) {
                    throw bad(spec, "synthetic needs a count: synthetic:N[:train|test]");
                }
                return new DataSpec(Kind.SYNTHETIC, Path.of(parts[0]), null, split, from, to);
            }
            case "imagefolder" -> {
                if (rest.isBlank()) {
                    throw bad(spec, "imagefolder needs a folder: imagefolder:DIR");
                }
                return new DataSpec(Kind.IMAGEFOLDER, Path.of(rest), null, null, from, to);
            }
            default -> throw bad(spec, "unknown type '" + type + "'");
        }
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("bad data spec '" + spec + "': " + why + ". Accepted forms: " + FORMS);
    }

    /** Whether a range suffix was given. */
    public boolean hasRange() {
        return from >= 0;
    }

    /**
     * Reads the data (and applies the range), converted to {@code channels} (1 or 3) and resized
     * bilinearly to {@code size x size} where the images differ. IDX data is gray: with 3 channels the
     * gray value is replicated.
     */
    public ImageSet read(int channels, int size) throws IOException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (gray) or 3 (RGB), got " + channels);
        }
        if (size <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + size);
        }
        if (kind == Kind.IMAGEFOLDER) {
            return range(ImageFolderReader.read(path, channels, size));
        }
        ImageSet set = range(kind == Kind.SYNTHETIC ? synthetic(size) : readIdx());
        List<Image> out = new ArrayList<>(set.size());
        Resize resize = new Resize(size);
        for (Image img : set.images()) {
            Image c = img.toChannels(channels);
            out.add(c.height == size && c.width == size ? c : resize.apply(c, null));
        }
        return new ImageSet(out, set.labels(), set.classNames());
    }

    /** Reads the data as stored (IDX: 1 channel; image folder: RGB at the first image's size). */
    public ImageSet read() throws IOException {
        if (kind == Kind.IMAGEFOLDER) {
            return range(ImageFolderReader.read(path, 3));
        }
        if (kind == Kind.SYNTHETIC) {
            return range(synthetic(28));
        }
        return range(readIdx());
    }

    /** The built-in shapes set; the test split is drawn from another seed than the train split. */
    private ImageSet synthetic(int size) {
        return SyntheticImages.generate(Integer.parseInt(path.toString()), size, split.equals("test") ? 1_000_003L : 42L);
    }

    private ImageSet readIdx() throws IOException {
        return switch (kind) {
            case IDX -> IdxReader.read(path, labels);
            case FASHION_MNIST -> IdxReader.read(splitFile("images-idx3-ubyte"), splitFile("labels-idx1-ubyte"), true);
            case MNIST -> IdxReader.read(splitFile("images-idx3-ubyte"), splitFile("labels-idx1-ubyte"), false);
            default -> throw new IllegalStateException(kind.toString());
        };
    }

    /** DIR/{train|t10k}-NAME.gz, or DIR/{train|t10k}-NAME if only that exists. */
    private Path splitFile(String name) throws IOException {
        String prefix = split.equals("test") ? "t10k-" : "train-";
        Path gz = path.resolve(prefix + name + ".gz");
        Path plain = path.resolve(prefix + name);
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new NoSuchFileException(gz.toString(), null,
                "no " + split + " split in " + path + ": neither " + gz.getFileName() + " nor " + plain.getFileName() + " exists");
    }

    private ImageSet range(ImageSet set) {
        if (!hasRange()) {
            return set;
        }
        if (to > set.size()) {
            throw new IllegalArgumentException("range @" + from + ":" + to + " of data spec " + this
                    + " goes past the end: the data holds " + set.size() + " images");
        }
        // A copy, not a view, so the rest of the data can be garbage-collected.
        List<Image> imgs = new ArrayList<>(set.images().subList(from, to));
        return new ImageSet(imgs, Arrays.copyOfRange(set.labels(), from, to), set.classNames());
    }


    /** The SPEC string this parses from. */
    @Override
    public String toString() {
        String r = hasRange() ? "@" + from + ":" + to : "";
        return switch (kind) {
            case IDX -> "idx:" + path + "," + labels + r;
            case FASHION_MNIST -> "fashion-mnist:" + path + ":" + split + r;
            case MNIST -> "mnist:" + path + ":" + split + r;
            case IMAGEFOLDER -> "imagefolder:" + path + r;
            case SYNTHETIC -> "synthetic:" + path + ":" + split + r;
        };
    }
}
