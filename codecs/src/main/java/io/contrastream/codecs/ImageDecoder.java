package io.contrastream.codecs;

import io.contrastream.connectors.format.FormatException;
import io.contrastream.connectors.format.avro.ImageEncoding;
import io.contrastream.connectors.format.avro.ImageRecord;
import io.contrastream.model.augment.image.Image;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns an {@link ImageRecord} into float pixels, or says why it cannot.
 *
 * <pre>{@code
 * Image img = new ImageDecoder(ImageLimits.DEFAULT).decode(record);   // throws FormatException(reason)
 * }</pre>
 *
 * <p>Checks, in order and before decoding any pixel: channels 1 or 3; declared dimensions positive
 * and within {@link ImageLimits}; byte count within limits; for RAW_U8 the exact byte count
 * height × width × channels; for PNG/JPEG the header's dimensions equal the declared ones (a
 * decompression bomb is refused from its header). Decoded colour images are converted to the
 * declared channel count (luma for gray).
 *
 * <p>Values: palette (indexed) images through their colour table; gray images (1–16 bits, with or
 * without alpha) as sample / (2^bits − 1); sRGB images (8 or 16 bits per component, with or without
 * alpha) as component / (2^bits − 1); alpha is ignored. PNG and JPEG are decoded from memory: no cache
 * file in {@code java.io.tmpdir}, so a full or read-only /tmp does not matter.
 */
public final class ImageDecoder implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final ImageLimits limits;

    public ImageDecoder(ImageLimits limits) {
        this.limits = limits;
    }

    public Image decode(ImageRecord r) throws FormatException {
        int c = r.getChannels();
        int w = r.getWidth();
        int h = r.getHeight();
        if (c != 1 && c != 3) {
            throw new FormatException("unsupported channel count " + c + " (1 or 3)");
        }
        if (w <= 0 || h <= 0) {
            throw new FormatException("bad dimensions " + w + "x" + h);
        }
        if ((long) w * h > limits.maxPixels()) {
            throw new FormatException("image of " + w + "x" + h + " exceeds the limit of " + limits.maxPixels()
                    + " pixels");
        }
        ByteBuffer buf = r.getBytes();
        int n = buf.remaining();
        if (n == 0) {
            throw new FormatException("empty image bytes");
        }
        if (n > limits.maxBytes()) {
            throw new FormatException("image of " + n + " bytes exceeds the limit of " + limits.maxBytes() + " bytes");
        }
        byte[] bytes = new byte[n];
        buf.duplicate().get(bytes);
        ImageEncoding enc = r.getEncoding();
        if (enc == ImageEncoding.RAW_U8) {
            return raw(bytes, c, h, w);
        }
        return compressed(bytes, enc, c, h, w);
    }

    private static Image raw(byte[] bytes, int c, int h, int w) throws FormatException {
        long expected = (long) h * w * c;
        if (bytes.length != expected) {
            throw new FormatException("RAW_U8 image of " + w + "x" + h + "x" + c + " needs " + expected + " bytes, got "
                    + bytes.length);
        }
        float[] px = new float[bytes.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    px[(ch * h + y) * w + x] = (bytes[(y * w + x) * c + ch] & 0xFF) / 255f;
                }
            }
        }
        return new Image(c, h, w, px);
    }

    private static Image compressed(byte[] bytes, ImageEncoding enc, int c, int h, int w) throws FormatException {
        String format = enc == ImageEncoding.PNG ? "png" : "jpeg";
        // An in-memory stream per call: ImageIO.createImageInputStream would open a cache file in
        // java.io.tmpdir for every image (a full or read-only /tmp made every image a dead letter), and
        // ImageIO.setUseCache(false) would change that for the whole JVM. The header checks
        // (getImageReaders, getWidth/getHeight) read the same stream, so nothing here touches the disk.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new FormatException("corrupt image: no " + enc + " decoder recognises the bytes");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                String actual = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!actual.equals(format) && !(format.equals("jpeg") && actual.equals("jpg"))) {
                    throw new FormatException("declared " + enc + " but the bytes are " + actual.toUpperCase(Locale.ROOT));
                }
                int hw = reader.getWidth(0);
                int hh = reader.getHeight(0);
                if (hw != w || hh != h) {
                    throw new FormatException("declared " + w + "x" + h + " but the " + enc + " header says " + hw + "x" + hh);
                }
                BufferedImage img = reader.read(0);
                return toImage(img, c);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new FormatException("corrupt " + enc + " image: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    /**
     * Pixels in [0, 1], channel-major. Reads whole rows of the raster (no per-pixel {@code getRGB}) for
     * the types ImageIO's PNG and JPEG readers produce: palettes through their colour table, gray (any
     * bit depth, alpha ignored) as its sample values, sRGB 8/16-bit with or without alpha as its colour
     * components (alpha ignored, as {@code getRGB} ignores it here too). Anything else (an ICC colour
     * space, premultiplied alpha) goes through {@code getRGB}, row by row, which converts it to sRGB.
     * Package-private so tests can compare the paths.
     */
    static Image toImage(BufferedImage img, int c) {
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        if (cm instanceof IndexColorModel icm) {
            return palette(raster, icm, c);
        }
        if (raster.getNumBands() < 3 && raster.getSampleModel().getSampleSize(0) <= 16) {
            return gray(raster, c);
        }
        if (cm instanceof ComponentColorModel && cm.getColorSpace().isCS_sRGB() && cm.getNumColorComponents() == 3
                && !cm.isAlphaPremultiplied() && (raster.getTransferType() == DataBuffer.TYPE_BYTE
                        || raster.getTransferType() == DataBuffer.TYPE_USHORT)) {
            return components(raster, cm, c);
        }
        return viaGetRgb(img, c);
    }

    /** Gray samples as they are (not getRGB's linear-gray-to-sRGB conversion), divided by their maximum. */
    private static Image gray(Raster raster, int c) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        float[] level = levels(raster.getSampleModel().getSampleSize(0));
        float[] px = new float[c * w * h];
        int[] row = new int[w * bands];
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            readRow(raster, y, row);
            int base = y * w;
            if (c == 1) {
                for (int x = 0, k = 0; x < w; x++, k += bands) {
                    px[base + x] = level[row[k]];
                }
            } else {
                for (int x = 0, k = 0; x < w; x++, k += bands) {
                    float v = level[row[k]];
                    px[base + x] = v;
                    px[plane + base + x] = v;
                    px[2 * plane + base + x] = v;
                }
            }
        }
        return new Image(c, h, w, px);
    }

    /**
     * Indices through the colour table (the raw index is not a colour). A table of grays only (how
     * ImageIO reads 1/2/4-bit gray PNGs) is a gray image: its value as it is, also for one channel.
     */
    private static Image palette(Raster raster, IndexColorModel icm, int c) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int size = icm.getMapSize();
        int[] argb = new int[size];
        icm.getRGBs(argb);
        // indices beyond the table read as black, as IndexColorModel.getRGB does for them
        int n = Math.max(size, 1 << Math.min(16, raster.getSampleModel().getSampleSize(0)));
        float[] r = new float[n];
        float[] g = new float[n];
        float[] b = new float[n];
        boolean allGray = true;
        for (int i = 0; i < size; i++) {
            r[i] = ((argb[i] >> 16) & 0xFF) / 255f;
            g[i] = ((argb[i] >> 8) & 0xFF) / 255f;
            b[i] = (argb[i] & 0xFF) / 255f;
            allGray &= r[i] == g[i] && g[i] == b[i];
        }
        float[] luma = new float[n];
        for (int i = 0; i < n; i++) {
            luma[i] = allGray ? r[i] : 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
        }
        float[] px = new float[c * w * h];
        int[] row = new int[w];   // one band: the index
        for (int y = 0; y < h; y++) {
            readRow(raster, y, row);
            int base = y * w;
            for (int x = 0; x < w; x++) {
                int i = row[x];   // < 2^bits ≤ n
                if (c == 1) {
                    px[base + x] = luma[i];
                } else {
                    px[base + x] = r[i];
                    px[h * w + base + x] = g[i];
                    px[2 * h * w + base + x] = b[i];
                }
            }
        }
        return new Image(c, h, w, px);
    }

    /** sRGB components (bands 0-2; a 4th, alpha, is skipped) divided by their maximum (255 or 65535). */
    private static Image components(Raster raster, ColorModel cm, int c) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        float[] l0 = levels(cm.getComponentSize(0));
        float[] l1 = cm.getComponentSize(1) == cm.getComponentSize(0) ? l0 : levels(cm.getComponentSize(1));
        float[] l2 = cm.getComponentSize(2) == cm.getComponentSize(0) ? l0 : levels(cm.getComponentSize(2));
        float[] px = new float[c * w * h];
        int[] row = new int[w * bands];
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            readRow(raster, y, row);
            int base = y * w;
            if (c == 1) {
                for (int x = 0, k = 0; x < w; x++, k += bands) {
                    px[base + x] = 0.299f * l0[row[k]] + 0.587f * l1[row[k + 1]] + 0.114f * l2[row[k + 2]];
                }
            } else {
                for (int x = 0, k = 0; x < w; x++, k += bands) {
                    px[base + x] = l0[row[k]];
                    px[plane + base + x] = l1[row[k + 1]];
                    px[2 * plane + base + x] = l2[row[k + 2]];
                }
            }
        }
        return new Image(c, h, w, px);
    }

    /** v / (2^bits − 1) for every v: a look-up beats a division per sample. */
    private static float[] levels(int bits) {
        int max = (1 << bits) - 1;
        float[] level = new float[max + 1];
        for (int v = 0; v <= max; v++) {
            level[v] = v / (float) max;
        }
        return level;
    }

    /**
     * Row y's samples, pixel by pixel and band by band ({@code width × bands} ints). Straight from the
     * data buffer for the interleaved 8/16-bit layouts the PNG and JPEG readers produce (Raster.getPixels
     * goes through the sample model once per sample, several times slower); getPixels otherwise (e.g.
     * 1/2/4-bit packed pixels).
     */
    private static void readRow(Raster raster, int y, int[] row) {
        SampleModel sm = raster.getSampleModel();
        DataBuffer db = raster.getDataBuffer();
        int w = raster.getWidth();
        int bands = raster.getNumBands();
        if (sm instanceof ComponentSampleModel csm && db.getNumBanks() == 1
                && (db instanceof DataBufferByte || db instanceof DataBufferUShort)) {
            int ps = csm.getPixelStride();
            int[] off = csm.getBandOffsets();
            int smx = raster.getMinX() - raster.getSampleModelTranslateX();
            int smy = raster.getMinY() + y - raster.getSampleModelTranslateY();
            int start = db.getOffset() + smy * csm.getScanlineStride() + smx * ps;
            if (db instanceof DataBufferByte bytes) {
                byte[] d = bytes.getData();
                for (int b = 0; b < bands; b++) {
                    for (int x = 0, i = start + off[b], k = b; x < w; x++, i += ps, k += bands) {
                        row[k] = d[i] & 0xFF;
                    }
                }
            } else {
                short[] d = ((DataBufferUShort) db).getData();
                for (int b = 0; b < bands; b++) {
                    for (int x = 0, i = start + off[b], k = b; x < w; x++, i += ps, k += bands) {
                        row[k] = d[i] & 0xFFFF;
                    }
                }
            }
            return;
        }
        raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
    }

    /** Any other colour model: its sRGB conversion, a row at a time. */
    private static Image viaGetRgb(BufferedImage img, int c) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] px = new float[c * w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            int base = y * w;
            for (int x = 0; x < w; x++) {
                int rgb = row[x];
                store(px, c, h * w, base + x, ((rgb >> 16) & 0xFF) / 255f, ((rgb >> 8) & 0xFF) / 255f,
                        (rgb & 0xFF) / 255f);
            }
        }
        return new Image(c, h, w, px);
    }

    private static void store(float[] px, int c, int plane, int i, float r, float g, float b) {
        if (c == 1) {
            px[i] = 0.299f * r + 0.587f * g + 0.114f * b;
        } else {
            px[i] = r;
            px[plane + i] = g;
            px[2 * plane + i] = b;
        }
    }
}
