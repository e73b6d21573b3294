package gen

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Invented speakers are built from these lists. None of the names belongs
// to a speaker of the curated seed store, and unknownFirst/unknownLast
// (used for out-of-scope questions) share no name with them.
var firstNames = strings.Fields(`
Aaron Abigail Adrian Aisha Alan Alice Alma Amir Ana Andre Angela Anita Arthur
Ava Barbara Beatrice Ben Bianca Boris Brenda Bruce Caleb Camila Carl Carmen
Carol Cecilia Chloe Clara Colin Conrad Craig Dalia Damian Dana Daniel Daria
Dean Delia Derek Diana Dmitri Dolores Dominic Doris Edgar Edith Eduardo Elena
Elias Elise Ellen Emil Emma Enrique Erica Ernest Esther Ethan Eva Felix Fiona
Frank Freya Gabriel Gemma George Gloria Grace Greta Hana Harold Hector Helen
Hugo Ian Ida Igor Ines Irene Isaac Ivan Jacob Jada Jamal Janet Jasper Jill
Joan Jonas Jorge Judith Julian June Karen Karim Kate Keith Kenji Kim Laila
Lars Laura Leah Leon Lidia Linda Lionel Lorna Lucas Lydia Malik Marco Maria
Marta Martin Maya Mei Milan Miriam Monica Nadia Nathan Nina Noah Nora Oliver
Olga Omar Oscar Pablo Paula Peter Petra Philip Priya Quentin Rachel Rafael
Ramona Raul Rebecca Renee Rita Robert Rosa Ruth Sabrina Samuel Sandra Sean
Selma Simon Sofia Stella Tariq Teresa Theo Tomas Ursula Valerie Victor Vivian
Walter Wanda Wesley Yara Yusuf Zara
`)

var lastNames = strings.Fields(`
Abbott Acosta Adair Aldridge Alvarez Ambrose Andersen Arendt Ashford Atwood
Bachman Baird Balogun Barlow Barrett Becker Bellamy Benoit Bergstrom Bishop
Blackwood Blanco Bolton Bradford Brennan Briggs Brooks Buckley Burgess Caldwell
Calloway Camacho Carver Castellano Chandler Chen Clayton Coleman Conti Corbett
Cortez Crawford Cruz Dalton Darby Delgado Dempsey Donovan Dorsey Drummond
Duarte Dunbar Eastman Ellison Emerson Espinoza Everett Fairbanks Farrell
Fenwick Ferreira Fischer Fitzgerald Fleming Forsyth Foster Franco Fuller
Gallagher Garrison Gentry Gibbs Gilmore Goldberg Gonzaga Graves Grayson
Guerrero Hale Halvorsen Hammond Harlow Hartmann Hawkins Hayward Hendricks
Herrera Hobbs Holloway Horvath Howell Hughes Ibarra Ingram Iverson Jacobsen
Jansen Jennings Jimenez Kaplan Keane Keller Kendrick Kessler Kimura Kowalski
Lambert Landry Larsen Lawson Leclerc Lindqvist Lockwood Lombardi Lowell Lucero
Madden Maddox Maldonado Mancini Marsh Mathis Mayfield Medina Mendoza Mercer
Molina Montague Moreau Morrow Mueller Nakamura Navarro Nguyen Norwood Novak
Oakley Okafor Olsen Ortega Osborne Pace Padilla Palmer Pearce Pennington
Perrault Petrov Pham Pierce Porter Prescott Quinlan Ramsey Rasmussen Reyes
Rhodes Ridley Rinaldi Rivas Rocha Rosen Rowland Salazar Sandoval Santoro
Sawyer Schaefer Serrano Shelton Sinclair Soto Spencer Stafford Stanton
Sterling Stroud Sullivan Sutton Tanaka Thornton Tolliver Torres Townsend
Trujillo Underwood Valdez Vance Varga Vasquez Vaughn Voss Wagner Waldron
Wallace Warrick Weber Wellington Whitaker Whitfield Wilder Winslow Wolfe
Yamamoto Yates Yilmaz Zamora Zeller Zimmerman
`)

// unknownFirst and unknownLast make people who are on record nowhere, for
// questions that must find nothing.
var (
	unknownFirst = strings.Fields(`Bartholomew Cornelius Eugenia Fenella Gideon Hortense Ignatius Leopoldina Mortimer Octavia Percival Thaddeus`)
	unknownLast  = strings.Fields(`Applewhite Brackenridge Culpepper Dunwoody Fairweather Grimsby Honeycutt Moffatt Pickering Quackenbush Throckmorton Wigglesworth`)
)

// places and bodies fill role templates.
var (
	states = strings.Fields(`Alabama Arizona Colorado Delaware Florida Georgia Idaho Iowa Kansas Maine
Montana Nevada Ohio Oregon Texas Utah Vermont Virginia Washington Wisconsin`)
	cities    = strings.Fields(`Springfield Riverton Fairview Lakeside Greenville Marlow Bridgeport Kingsbury Westfield Ashland`)
	countries = strings.Fields(`Norland Estavia Marovia Karelia Valdoria Ostrava Lusitania Tarvonia`)
	agencies  = []string{"State Department", "Treasury Department", "Defense Department", "Health Ministry", "Foreign Ministry", "Interior Ministry"}
	parties   = []string{"Democratic", "Republican", "Independent", "Green", "Libertarian"}
)

// roleTemplate is a role with its place holder ({S} a state, {C} a city,
// {N} a country, {A} an agency, {P} a party) and the title it gives, if
// any, for the "Title Surname" alias.
type roleTemplate struct {
	role, title string
}

var roles = []roleTemplate{
	{"U.S. senator from {S}", "Senator"},
	{"U.S. representative from {S}", "Representative"},
	{"Governor of {S}", "Governor"},
	{"Mayor of {C}", "Mayor"},
	{"{S} state senator", "Senator"},
	{"{S} state representative", "Representative"},
	{"Attorney general of {S}", "Attorney General"},
	{"President of {N}", "President"},
	{"Prime minister of {N}", "Prime Minister"},
	{"Foreign minister of {N}", "Minister"},
	{"Spokesperson for the {A}", "Spokesperson"},
	{"Aide to the president of {N}", ""},
	{"{P} candidate for governor of {S}", ""},
	{"{P} candidate for the U.S. Senate in {S}", ""},
	{"Chair of the {S} {P} Party", "Chair"},
	{"Talk radio host in {C}", ""},
	{"Columnist and political commentator", ""},
	{"Economist at a {C} think tank", "Dr."},
	{"Former {P} member of Congress from {S}", ""},
	{"Union president in {C}", ""},
}

// makeSpeakers invents m speakers with distinct names. First and last names
// are drawn freely; a clash adds a middle initial, as real name lists do.
func makeSpeakers(r *rand.Rand, m int) []Speaker {
	seen := make(map[string]bool, m)
	out := make([]Speaker, 0, m)
	for len(out) < m {
		first := firstNames[r.IntN(len(firstNames))]
		last := lastNames[r.IntN(len(lastNames))]
		name := first + " " + last
		for tries := 0; seen[name]; tries++ {
			name = first + " " + string(rune('A'+r.IntN(26))) + ". " + last
			if tries > 100 { // every initial taken: a store of millions of speakers
				name = first + " " + last + " " + strconv.Itoa(len(out))
			}
		}
		seen[name] = true
		t := roles[r.IntN(len(roles))]
		role := strings.NewReplacer(
			"{S}", states[r.IntN(len(states))],
			"{C}", cities[r.IntN(len(cities))],
			"{N}", countries[r.IntN(len(countries))],
			"{A}", agencies[r.IntN(len(agencies))],
			"{P}", parties[r.IntN(len(parties))],
		).Replace(t.role)
		aliases := []string{last}
		if t.title != "" {
			aliases = append(aliases, t.title+" "+last)
		}
		out = append(out, Speaker{Name: name, Role: role, Aliases: aliases})
	}
	return out
}
