package telegram

// Ready reports whether Run has connected (getMe answered) and is taking
// updates, so that a health check can tell a working bot from one still
// trying to reach Telegram.
func (t *Telegram) Ready() bool { return t.ready.Load() }
