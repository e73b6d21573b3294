package discord

// Connected reports whether the gateway session has identified and is
// heartbeating, so that a health check can tell a working bot from one
// still trying to reach Discord. HTTP interactions mode keeps no
// connection and reports false: there, whoever runs the adapter checks the
// interactions listener instead.
func (d *Discord) Connected() bool {
	// discordgo sets DataReady under the session's lock.
	d.session.RLock()
	defer d.session.RUnlock()
	return d.session.DataReady
}
