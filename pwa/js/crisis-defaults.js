// Built-in crisis resources by country, the one copy: the app uses it with no
// network (before the clinic's list was ever fetched), and the server reads this
// same file (server/crisis/defaults.py), so both always offer the same numbers.
// Everything after "export default" is strict JSON. `zones` are the IANA time
// zones of each country (tzdata's zone.tab, with their aliases), so the app can
// choose by the phone's time zone; anywhere else gets `fallback` (112).
export default {
  "countries": {
    "US": {
      "name": "United States",
      "emergency": {
        "name": "Emergency services",
        "phone": "911",
        "description": "If you or someone else is in immediate danger, call 911 or go to the nearest emergency room."
      },
      "resources": [
        {
          "name": "988 Suicide & Crisis Lifeline",
          "phone": "988",
          "sms": "988",
          "url": "https://988lifeline.org",
          "description": "Call or text 988, any time. Free and confidential."
        },
        {
          "name": "Crisis Text Line",
          "sms": "741741",
          "sms_body": "HOME",
          "url": "https://www.crisistextline.org",
          "description": "Text HOME to 741741, any time. Free and confidential."
        }
      ],
      "zones": [
        "America/Adak",
        "America/Anchorage",
        "America/Atka",
        "America/Boise",
        "America/Chicago",
        "America/Denver",
        "America/Detroit",
        "America/Fort_Wayne",
        "America/Indiana/Indianapolis",
        "America/Indiana/Knox",
        "America/Indiana/Marengo",
        "America/Indiana/Petersburg",
        "America/Indiana/Tell_City",
        "America/Indiana/Vevay",
        "America/Indiana/Vincennes",
        "America/Indiana/Winamac",
        "America/Indianapolis",
        "America/Juneau",
        "America/Kentucky/Louisville",
        "America/Kentucky/Monticello",
        "America/Knox_IN",
        "America/Los_Angeles",
        "America/Louisville",
        "America/Menominee",
        "America/Metlakatla",
        "America/New_York",
        "America/Nome",
        "America/North_Dakota/Beulah",
        "America/North_Dakota/Center",
        "America/North_Dakota/New_Salem",
        "America/Phoenix",
        "America/Shiprock",
        "America/Sitka",
        "America/Yakutat",
        "HST",
        "MST",
        "Navajo",
        "Pacific/Honolulu",
        "Pacific/Johnston",
        "US/Alaska",
        "US/Aleutian",
        "US/Arizona",
        "US/Central",
        "US/East-Indiana",
        "US/Eastern",
        "US/Hawaii",
        "US/Indiana-Starke",
        "US/Michigan",
        "US/Mountain",
        "US/Pacific"
      ]
    },
    "CA": {
      "name": "Canada",
      "emergency": {
        "name": "Emergency services",
        "phone": "911",
        "description": "If you or someone else is in immediate danger, call 911 or go to the nearest emergency department."
      },
      "resources": [
        {
          "name": "9-8-8 Suicide Crisis Helpline",
          "phone": "988",
          "sms": "988",
          "url": "https://988.ca",
          "description": "Call or text 988, any time, in English or French. Free."
        }
      ],
      "zones": [
        "America/Atikokan",
        "America/Blanc-Sablon",
        "America/Cambridge_Bay",
        "America/Creston",
        "America/Dawson",
        "America/Dawson_Creek",
        "America/Edmonton",
        "America/Fort_Nelson",
        "America/Glace_Bay",
        "America/Goose_Bay",
        "America/Halifax",
        "America/Inuvik",
        "America/Iqaluit",
        "America/Moncton",
        "America/Montreal",
        "America/Nipigon",
        "America/Pangnirtung",
        "America/Rainy_River",
        "America/Rankin_Inlet",
        "America/Regina",
        "America/Resolute",
        "America/St_Johns",
        "America/Swift_Current",
        "America/Thunder_Bay",
        "America/Toronto",
        "America/Vancouver",
        "America/Whitehorse",
        "America/Winnipeg",
        "America/Yellowknife",
        "Canada/Atlantic",
        "Canada/Central",
        "Canada/Eastern",
        "Canada/Mountain",
        "Canada/Newfoundland",
        "Canada/Pacific",
        "Canada/Saskatchewan",
        "Canada/Yukon"
      ]
    },
    "GB": {
      "name": "United Kingdom",
      "emergency": {
        "name": "Emergency services",
        "phone": "999",
        "description": "If you or someone else is in immediate danger, call 999 or go to A&E."
      },
      "resources": [
        {
          "name": "Samaritans",
          "phone": "116 123",
          "url": "https://www.samaritans.org",
          "description": "Call 116 123, any time. Free."
        },
        {
          "name": "NHS 111",
          "phone": "111",
          "url": "https://111.nhs.uk",
          "description": "Urgent help for your mental health: call 111 and choose the mental health option."
        }
      ],
      "zones": [
        "Europe/Belfast",
        "Europe/London",
        "GB",
        "GB-Eire"
      ]
    },
    "IE": {
      "name": "Ireland",
      "emergency": {
        "name": "Emergency services",
        "phone": "112",
        "description": "If you or someone else is in immediate danger, call 112 or 999, or go to the nearest emergency department."
      },
      "resources": [
        {
          "name": "Samaritans Ireland",
          "phone": "116 123",
          "url": "https://www.samaritans.org/ireland",
          "description": "Call 116 123, any time. Free."
        },
        {
          "name": "Pieta",
          "phone": "1800 247 247",
          "sms": "51444",
          "sms_body": "HELP",
          "url": "https://www.pieta.ie",
          "description": "Call 1800 247 247 or text HELP to 51444, any time. Free."
        }
      ],
      "zones": [
        "Eire",
        "Europe/Dublin"
      ]
    },
    "AU": {
      "name": "Australia",
      "emergency": {
        "name": "Emergency services",
        "phone": "000",
        "description": "If you or someone else is in immediate danger, call 000."
      },
      "resources": [
        {
          "name": "Lifeline",
          "phone": "13 11 14",
          "sms": "0477 13 11 14",
          "url": "https://www.lifeline.org.au",
          "description": "Call 13 11 14 or text 0477 13 11 14, any time."
        },
        {
          "name": "Suicide Call Back Service",
          "phone": "1300 659 467",
          "url": "https://www.suicidecallbackservice.org.au",
          "description": "Call 1300 659 467, any time."
        }
      ],
      "zones": [
        "Antarctica/Macquarie",
        "Australia/ACT",
        "Australia/Adelaide",
        "Australia/Brisbane",
        "Australia/Broken_Hill",
        "Australia/Canberra",
        "Australia/Currie",
        "Australia/Darwin",
        "Australia/Eucla",
        "Australia/Hobart",
        "Australia/LHI",
        "Australia/Lindeman",
        "Australia/Lord_Howe",
        "Australia/Melbourne",
        "Australia/NSW",
        "Australia/North",
        "Australia/Perth",
        "Australia/Queensland",
        "Australia/South",
        "Australia/Sydney",
        "Australia/Tasmania",
        "Australia/Victoria",
        "Australia/West",
        "Australia/Yancowinna"
      ]
    },
    "NZ": {
      "name": "New Zealand",
      "emergency": {
        "name": "Emergency services",
        "phone": "111",
        "description": "If you or someone else is in immediate danger, call 111."
      },
      "resources": [
        {
          "name": "1737, Need to talk?",
          "phone": "1737",
          "sms": "1737",
          "url": "https://1737.org.nz",
          "description": "Call or text 1737, any time. Free."
        },
        {
          "name": "Lifeline Aotearoa",
          "phone": "0800 543 354",
          "url": "https://www.lifeline.org.nz",
          "description": "Call 0800 543 354, any time. Free."
        }
      ],
      "zones": [
        "Antarctica/South_Pole",
        "NZ",
        "NZ-CHAT",
        "Pacific/Auckland",
        "Pacific/Chatham"
      ]
    }
  },
  "fallback": {
    "name": "Elsewhere",
    "emergency": {
      "name": "Emergency services",
      "phone": "112",
      "description": "If you or someone else is in immediate danger, call 112, the emergency number in the EU and many other countries, or your local emergency number."
    },
    "resources": [
      {
        "name": "Find a helpline",
        "url": "https://findahelpline.com",
        "description": "Free, confidential helplines in your country."
      }
    ]
  }
};
