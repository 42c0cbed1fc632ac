/** The time zone times are shown in: the user's profile's, else the browser's. */

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function userTimeZone(user: { time_zone?: string | null } | null | undefined): string {
  return user?.time_zone || browserTimeZone();
}
