import { describe, expect, it } from "vitest";
import {
  cssColor,
  formatValue,
  gaugeFraction,
  imageSource,
  indicatorOn,
  numProp,
  relativeTime,
  toCsv,
  toggleState,
  yes,
} from "../src/lib/format";

describe("block value formatting", () => {
  it("formats numbers with decimal places and units, text as is", () => {
    expect(formatValue("3.14159", { decimals: 2 })).toBe("3.14");
    expect(formatValue("42")).toBe("42");
    expect(formatValue("21.5", { unit: "°C" })).toBe("21.5 °C");
    expect(formatValue("hello", { decimals: 2 })).toBe("hello");
    expect(formatValue(null)).toBe("—");
    expect(formatValue("")).toBe("—");
  });

  it("places a gauge value between min and max", () => {
    expect(gaugeFraction("50", 0, 100)).toBe(0.5);
    expect(gaugeFraction("150", 0, 100)).toBe(1);
    expect(gaugeFraction("-5", 0, 100)).toBe(0);
    expect(gaugeFraction("abc", 0, 100)).toBeNull();
    expect(gaugeFraction("5", 3, 3)).toBeNull();
  });

  it("reads a toggle state from its on/off texts and common spellings", () => {
    expect(toggleState("ON", "ON", "OFF")).toBe(true);
    expect(toggleState("OFF", "ON", "OFF")).toBe(false);
    expect(toggleState("open", "open", "closed")).toBe(true);
    expect(toggleState("1", "ON", "OFF")).toBe(true);
    expect(toggleState("false", "ON", "OFF")).toBe(false);
    expect(toggleState("maybe", "ON", "OFF")).toBeNull();
    expect(toggleState(null, "ON", "OFF")).toBeNull();
  });

  it("lights an indicator by its condition", () => {
    expect(indicatorOn("30", ">", "25")).toBe(true);
    expect(indicatorOn("20", ">", "25")).toBe(false);
    expect(indicatorOn("25", "<=", "25")).toBe(true);
    expect(indicatorOn("open", "=", "open")).toBe(true);
    expect(indicatorOn("5", "!=", "5.0")).toBe(false);
    expect(indicatorOn("ON", "", "")).toBe(true);
    expect(indicatorOn("0", "", "")).toBe(false);
    expect(indicatorOn(null, ">", "1")).toBe(false);
  });

  it("accepts colours and images the feed may hold", () => {
    expect(cssColor("#FF0000")).toBe("#ff0000");
    expect(cssColor("00ff00")).toBe("#00ff00");
    expect(cssColor("red; background: url(x)")).toBeNull();
    expect(imageSource("https://example.com/cam.jpg")).toBe("https://example.com/cam.jpg");
    expect(imageSource("javascript:alert(1)")).toBeNull();
    expect(imageSource("A".repeat(60))).toMatch(/^data:image\/jpeg;base64,/);
  });

  it("reads block properties that Adafruit IO stores as strings", () => {
    expect(numProp({ minValue: "10" }, "minValue", 0)).toBe(10);
    expect(numProp({ minValue: "" }, "minValue", 3)).toBe(3);
    expect(numProp({}, "maxValue", 100)).toBe(100);
    expect(yes({ showTimestamp: "no" }, "showTimestamp")).toBe(false);
    expect(yes({}, "showTimestamp")).toBe(true);
  });

  it("says how long ago", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    expect(relativeTime("2026-01-01T00:09:58Z", now)).toBe("just now");
    expect(relativeTime("2026-01-01T00:09:30Z", now)).toBe("30 s ago");
    expect(relativeTime("2026-01-01T00:00:00Z", now)).toBe("10 min ago");
    expect(relativeTime(null, now)).toBe("never");
  });

  it("quotes CSV fields", () => {
    expect(
      toCsv([{ id: "1", value: 'a,"b"', created_at: "t", lat: 1, lon: 2, ele: null }]),
    ).toBe('id,value,created_at,lat,lon,ele\n1,"a,""b""",t,1,2,\n');
  });
});
