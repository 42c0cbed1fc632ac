/** Light/dark theme: the saved choice, else the system preference. */
export type Theme = "light" | "dark";

export const THEME_KEY = "stonechat-theme";

export function systemTheme(): Theme {
  try {
    return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  } catch {
    return "light";
  }
}

export function savedTheme(storage: Pick<Storage, "getItem"> | null = safeStorage()): Theme | null {
  const value = storage?.getItem(THEME_KEY);
  return value === "light" || value === "dark" ? value : null;
}

export function currentTheme(storage = safeStorage()): Theme {
  return savedTheme(storage) ?? systemTheme();
}

export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  root.dataset.theme = theme;
  root.style.colorScheme = theme;
  try {
    window.dispatchEvent(new CustomEvent("stonechat-theme", { detail: theme }));
  } catch {
    /* no window (tests) */
  }
}

export function saveTheme(theme: Theme, storage = safeStorage()): void {
  try {
    storage?.setItem(THEME_KEY, theme);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

export function toggleTheme(storage = safeStorage()): Theme {
  const next: Theme = currentTheme(storage) === "dark" ? "light" : "dark";
  saveTheme(next, storage);
  applyTheme(next);
  return next;
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
