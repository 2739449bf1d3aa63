package metrics

// Principle is one of the principles of victim-centred enforcement an
// indicator measures a jurisdiction against. Entries of the catalogue name
// them by ID; docs/indicators.md and catalogue.json carry their text.
type Principle struct{ ID, Text string }

// Principles are the principles the catalogue refers to, drawn from the
// advocates' critique of enforcement judged by arrest counts (the ATEST
// coalition and others) and from the Palermo Protocol's standards.
var Principles = []Principle{
	{"P1", "Prosecution, protection, prevention and partnership (the 3P paradigm), not detention, deportation and disempowerment (3D)."},
	{"P2", "Protection does not depend on cooperating with a prosecution."},
	{"P3", "Non-punishment: victims are neither arrested nor convicted for crimes they were compelled to commit, and records of such convictions can be cleared (vacatur)."},
	{"P4", "A vice sting that identifies no victim is not anti-trafficking work."},
	{"P5", "Continued Presence is granted within 72 hours of the first interview."},
	{"P6", "Businesses that profit from trafficking are held to account (18 U.S.C. 1593A, \"financially benefiting\"; Tariff Act section 307, 19 U.S.C. 1307)."},
	{"P7", "Labour trafficking is prosecuted in proportion to the labour victims identified, not under-prosecuted."},
	{"P8", "Restitution and forfeited funds reach victims."},
	{"P9", "Collecting data never puts victims' privacy or safety at risk."},
	{"P10", "Enforcement is measured by outcomes for victims, not by arrest counts."},
	{"P11", "Anti-trafficking policing is free of racial bias: it must not end in the arrest and conviction of victims, who are mainly people of colour."},
}

// principleText is the text of a principle by ID.
func principleText(id string) (string, bool) {
	for _, p := range Principles {
		if p.ID == id {
			return p.Text, true
		}
	}
	return "", false
}
