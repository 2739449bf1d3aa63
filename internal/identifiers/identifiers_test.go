package identifiers

import "testing"

// TestIdentifierColumns: every spelling of a personal identifier a data
// file may use is recognised, and the columns publishers' aggregate files
// do have (agency and state names, dates of operations) are not.
func TestIdentifierColumns(t *testing.T) {
	for _, h := range []string{"name", "Name", "victim_name", "Victim Name", "victimName", "VICTIM-NAME",
		"first_name", "FirstName", "First Name", "last name", "surname", "full_name", "given name", "family_name",
		"DateOfBirth", "date_of_birth", "Date of Birth", "dob", "DOB", "victim_dob", "birth_date", "birthdate", "Birthday",
		"Phone Number", "phone", "phone_number", "PhoneNumber", "mobile", "telephone", "Home Phone",
		"email", "E-mail", "e_mail", "EmailAddress", "email address",
		"address", "Street Address", "home_address", "AddressLine1",
		"ssn", "SSN", "social security number", "passport", "Passport Number", "national_id",
		"suspect name", "offender_name", "arrestee_name", "ip_address", "latitude"} {
		if !IsIdentifier(h) {
			t.Errorf("%q is not recognised as an identifier column", h)
		}
	}
	for _, h := range []string{"agency", "pub_agency_name", "ncic_agency_name", "state_name", "county_name", "OFFENSE_NAME",
		"AGE_NAME", "operation_name", "operation_id", "start_date", "end_date", "victims_identified_adult", "source_url",
		"jurisdiction", "DATA_YEAR", "population", "Country", "Region", "Subregion", "notes", "arrests_total", "RACE_DESC"} {
		if IsIdentifier(h) {
			t.Errorf("%q is taken for an identifier column", h)
		}
	}
}
