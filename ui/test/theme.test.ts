// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyTheme, currentTheme, savedTheme, THEME_KEY, toggleTheme } from "../src/lib/theme";

function mockSystem(dark: boolean) {
  window.matchMedia = vi.fn().mockImplementation((query: string) => ({
    matches: dark && query.includes("dark"),
    media: query,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  })) as unknown as typeof window.matchMedia;
}

describe("theme", () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => {
    delete document.documentElement.dataset.theme;
  });

  it("defaults to the system preference", () => {
    mockSystem(true);
    expect(currentTheme()).toBe("dark");
    mockSystem(false);
    expect(currentTheme()).toBe("light");
  });

  it("persists the toggled choice over the system preference", () => {
    mockSystem(true);
    expect(toggleTheme()).toBe("light");
    expect(localStorage.getItem(THEME_KEY)).toBe("light");
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(currentTheme()).toBe("light");
    expect(toggleTheme()).toBe("dark");
    expect(savedTheme()).toBe("dark");
  });

  it("ignores junk in storage", () => {
    mockSystem(false);
    localStorage.setItem(THEME_KEY, "purple");
    expect(savedTheme()).toBeNull();
    expect(currentTheme()).toBe("light");
  });

  it("tells charts to redraw when the theme changes", () => {
    const seen: string[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent).detail);
    window.addEventListener("stonechat-theme", listener);
    applyTheme("dark");
    window.removeEventListener("stonechat-theme", listener);
    expect(seen).toEqual(["dark"]);
    expect(document.documentElement.style.colorScheme).toBe("dark");
  });
});
