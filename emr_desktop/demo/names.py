"""Made-up people for the demo practice: given and family names from many cultures, the
languages some of them prefer, and the short names people go by. All fictional."""

from __future__ import annotations

from dataclasses import dataclass


def names_list(text: str) -> tuple[str, ...]:
    """A comma-separated list (names may contain spaces, hyphens and apostrophes)."""
    return tuple(n.strip() for n in text.split(",") if n.strip())


@dataclass(frozen=True, slots=True)
class Culture:
    """Given and family names that belong together, and the language some speakers prefer."""

    weight: int
    language: str
    other_language: float  # share who prefer ``language`` over English
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    feminine_family: bool = False  # Polish -ski/-cki become -ska/-cka for women


# One culture a paragraph: "weight, share preferring the language, language [feminine]",
# then female given names, "--", male given names, "--", family names.
_CULTURE_TEXT = """
32 0 English
Emily, Sarah, Jennifer, Elizabeth, Grace, Olivia, Emma, Ava, Harper, Abigail, Ruth, Dorothy,
Margaret, Barbara, Patricia, Linda, Susan, Deborah, Karen, Jessica, Ashley, Amanda, Megan,
Hannah, Madison, Chloe, Lily, Evelyn, Brooke, Kayla, Imani, Aaliyah, Jasmine, Heather, Amber,
Rebecca, Rachel, Laura, Katherine, Julia, Victoria, Zoë, Renée
--
James, John, Robert, Michael, William, David, Richard, Joseph, Thomas, Charles, Daniel, Matthew,
Anthony, Mark, Donald, Steven, Paul, Andrew, Joshua, Kenneth, Kevin, Brian, George, Edward,
Ronald, Timothy, Jason, Ryan, Jacob, Nicholas, Eric, Jonathan, Scott, Benjamin, Samuel, Gregory,
Frank, Raymond, Patrick, Jack, Tyler, Aaron, DeShawn, Jamal, Marcus, Liam, Noah, Ethan, Mason,
Logan, Caleb
--
Smith, Johnson, Williams, Brown, Jones, Davis, Miller, Wilson, Moore, Taylor, Anderson, Thomas,
Jackson, White, Harris, Martin, Thompson, Clark, Lewis, Robinson, Walker, Young, Allen, King,
Wright, Scott, Hill, Green, Adams, Baker, Nelson, Carter, Mitchell, Roberts, Turner, Phillips,
Campbell, Parker, Evans, Edwards, Collins, Stewart, Morris, Rogers, Reed, Cook, Morgan, Bell,
Cooper, Richardson, Cox, Howard, Ward, Peterson, Gray, Watson, Brooks, Sanders, Price, Bennett,
Wood, Barnes, Ross, Henderson, Coleman, Jenkins, Perry, Powell, Long, Patterson, Hughes,
Washington, Butler, Simmons, Foster, Bryant, Griffin, Hayes, Myers, Ford, Hamilton, Graham,
Wallace, Woods, Cole, West, Owens, Reynolds, Fisher, Ellis, Harrison, Gibson, Marshall, St.
John, Ashford-Kent

14 0.35 Spanish
María José, Sofía, Lucía, Valentina, Camila, Isabella, Ximena, Guadalupe, Marisol, Rosa, Carmen,
Dolores, Esperanza, Mónica, Inés, Alejandra, Daniela, Gabriela, Paola, Adriana, Beatriz,
Consuelo, Itzel, Yesenia, Araceli, Natalia, Mariana, Renata, Paloma, Ángela
--
José, Juan, Luis, Carlos, Jesús, Miguel Ángel, Joaquín, Raúl, Matías, Sebastián, Andrés, Tomás,
Alejandro, Diego, Fernando, Javier, Jorge, Rafael, Ramón, Héctor, Rubén, Óscar, Julián, Emilio,
Santiago, Mateo, Iván, Ignacio, Rodrigo, Efraín
--
García, García-López, Martínez, Rodríguez, Hernández, López, González, Pérez, Sánchez, Ramírez,
Flores, Gómez, Díaz, Peña, Muñoz, Núñez, Ibáñez, Castillo, Morales, Ortiz, Gutiérrez, Chávez,
Ramos, Ruiz, Álvarez, Mendoza, Vásquez, Jiménez, Moreno, Romero, Herrera, Medina, Aguilar,
Vargas, Castro, Guzmán, Fernández, Salazar, Domínguez, Espinoza, Cárdenas, Ríos, Suárez, Orozco,
Beltrán, de la Cruz, Rivera-Ortiz, Báez, Montaño, Zúñiga

5 0.08 German
Anneliese, Margarethe, Hannelore, Ursula, Birgit, Sabine, Katharina, Lena, Greta, Jana,
Friederike, Heike, Gisela, Ilse, Käthe, Lotte, Luise, Marlene
--
Jürgen, Klaus, Günter, Dieter, Uwe, Matthias, Jörg, Lukas, Maximilian, Felix, Jonas, Tobias,
Stefan, Andreas, Wolfgang, Horst, Götz, Rüdiger, Florian
--
Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer,
Köhler, Schröder, Weiß, Groß, Zimmermann, Krüger, Hartmann, Lange, Werner, Krause, Lehmann,
Köster, Böhm, Jäger, Vogel, Brandt, Haas, Dietrich, Kühn

4 0.1 French
Amélie, Chloé, Hélène, Noémie, Anaïs, Maëlle, Céline, Sylvie, Brigitte, Françoise, Mathilde,
Camille, Léa, Manon, Juliette, Margaux, Solène, Geneviève, Josée
--
François, Jérôme, André, Benoît, Étienne, Théo, Hugo, Louis, Gaël, Rémi, Loïc, Mathieu, Olivier,
Pierre, Jean-Luc, Jean-François, Guillaume, Sébastien, Cédric, Gérard
--
Dubois, Lefèvre, Girard, Bérubé, Côté, Gagné, Léger, Moreau, Laurent, Fournier, Mercier,
Rousseau, Lambert, Bonnet, Faure, Chevalier, Gauthier, Leclerc, Pelletier, Bélanger, Lévesque,
Thériault, Deschênes, Tremblay, Beaulieu

3 0.15 Polish feminine
Małgorzata, Agnieszka, Katarzyna, Zofia, Józefa, Bożena, Grażyna, Joanna, Magdalena, Ewa, Anna,
Barbara, Alicja, Jadwiga, Wiesława
--
Łukasz, Piotr, Wojciech, Krzysztof, Paweł, Michał, Tomasz, Jakub, Grzegorz, Mateusz, Stanisław,
Zbigniew, Marek, Andrzej, Bartłomiej
--
Kowalski, Nowak, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański,
Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Krawczyk, Piotrowski, Grabowski, Pawłowski,
Michalski, Król

4 0.05 Swedish
Åsa, Ingrid, Sigríður, Guðrún, Astrid, Freja, Sofie, Maja, Linnéa, Kirsten, Solveig, Björg,
Hildur, Aino, Päivi, Liisa, Elin, Tuva
--
Søren, Ólafur, Björn, Håkon, Mikael, Lars, Anders, Magnús, Gunnar, Jóhann, Einar, Nils, Henrik,
Mads, Jens, Eero, Mikko, Jussi, Kjell, Øystein
--
Ångström, Jensen, Nielsen, Hansen, Pedersen, Sørensen, Johansson, Andersson, Karlsson, Nyström,
Björklund, Lindgren, Holm, Ekström, Virtanen, Mäkinen, Korhonen, Jóhannsson, Sigurðsson,
Halvorsen, Østergaard, Dahl, Berg, Lund, Strøm

3 0.4 Vietnamese
Thảo, Linh, Mai, Lan, Hương, Ngọc, Trang, Thu, Hạnh, Phương, Hoa, Yến, Vy, Anh, Quỳnh
--
Minh, Đức, Quốc, Tuấn, Hùng, Dũng, Long, Huy, Khang, Bảo, Phúc, Thắng, Việt, Nam, Hải
--
Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Võ, Đặng, Bùi, Đỗ, Hồ, Ngô, Dương, Lý, Phan

4 0.35 Mandarin
Mei, Xiu Ying, Li Na, Jing, Hui, Yan, Xin, Fang, Ying, Lan, Qian, Yu, Ling, Wen, Zhen
--
Wei, Jian, Hao, Jun, Lei, Tao, Ming, Qiang, Bo, Yong, Chen, Zhi, Feng, Kai, Bin
--
Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, Lin, He,
Gao, Luo

2 0.3 Korean
Ji-woo, Seo-yeon, Min-ji, Soo-ah, Ha-eun, Ji-yeon, Eun-ji, Yoo-jin, Hye-jin, Da-eun
--
Min-jun, Ji-hoon, Seo-jun, Hyun-woo, Jae-won, Dong-hyun, Sung-min, Joon-ho, Tae-yang, Woo-jin
--
Kim, Lee, Park, Choi, Jung, Kang, Cho, Yoon, Jang, Lim, Han, Oh, Seo, Shin, Kwon

2 0.2 Japanese
Yuki, Sakura, Hana, Aiko, Yui, Haruka, Emi, Keiko, Naomi, Rin, Ayaka
--
Kenji, Hiroshi, Takeshi, Daiki, Ren, Sōta, Yūto, Kaito, Shōta, Takumi, Ryō, Kōji
--
Satō, Suzuki, Takahashi, Watanabe, Itō, Yamamoto, Nakamura, Kobayashi, Katō, Yoshida, Yamada,
Sasaki, Matsumoto, Inoue, Kimura, Ōta, Saitō

5 0.1 Hindi
Priya, Ananya, Aarti, Kavya, Sunita, Lakshmi, Divya, Meera, Pooja, Shreya, Nisha, Anjali,
Deepika, Harpreet, Simran
--
Rahul, Arjun, Sanjay, Vikram, Rohan, Aditya, Rajesh, Suresh, Karan, Amit, Anil, Harjit,
Gurpreet, Imran, Vivek
--
Patel, Shah, Singh, Kumar, Sharma, Gupta, Iyer, Reddy, Rao, Nair, Mehta, Desai, Joshi,
Chatterjee, Banerjee, Kaur, Pillai, Verma, Malhotra, Bhattacharya

3 0.2 Arabic
Fatima, Aisha, Leila, Yasmin, Noor, Layla, Mariam, Huda, Rania, Salma, Zeinab, Amira, Dalia,
Hana, Nadia
--
Mohammed, Omar, Yusuf, Karim, Tariq, Ahmed, Ali, Hassan, Khalid, Samir, Ziad, Bilal, Mustafa,
Walid, Rami
--
Haddad, Khoury, Nasser, Hassan, Rahman, Hosseini, Karimi, Saleh, Mansour, Aziz, Farah, Al-Masri,
El-Amin, Abboud, Darwish, Sabbagh, Qureshi, Rashid

2 0.2 Turkish
Ayşe, Elif, Zeynep, Fatma, Emine, Özlem, Büşra, Gülşen, Şule, İpek, Merve, Esra
--
Ömer, Mehmet, Emre, Çağan, Mustafa, Murat, Burak, Yiğit, Barış, Oğuz, Serkan, Kerem
--
Çelik, Yılmaz, Kaya, Demir, Şahin, Öztürk, Aydın, Arslan, Doğan, Kılıç, Aslan, Çetin, Koç, Kurt,
Özdemir

4 0 English
Ngozi, Amara, Chioma, Adaeze, Abena, Akosua, Efua, Yetunde, Folake, Nneka, Ama, Funmilayo,
Ifeoma, Aminata, Fatoumata
--
Kwame, Kofi, Chinedu, Oluwaseun, Emeka, Adebayo, Yaw, Kwabena, Obinna, Tunde, Ikechukwu, Femi,
Mamadou, Ousmane, Babajide
--
Okafor, Adeyemi, Mensah, Owusu, Nwosu, Abubakar, Okonkwo, Boateng, Asante, Eze, Ogunleye,
Diallo, Traoré, Ndiaye, Oyelaran, Acheampong, Chukwu

4 0 English
Aoife, Siobhán, Saoirse, Niamh, Bronagh, Caoimhe, Róisín, Orla, Sinéad, Máire, Clodagh, Eimear
--
Seán, Pádraig, Eoin, Ciarán, Oisín, Cathal, Dónal, Liam, Niall, Tadhg, Colm, Declan
--
O'Connor, O'Brien, O'Sullivan, Murphy, Kelly, Walsh, McCarthy, Byrne, Ryan, O'Neill, Doyle,
Gallagher, Ó Briain, Fitzgerald, Quinn, Kennedy, Lynch, Brennan

3 0.1 Italian
Chiara, Giulia, Francesca, Martina, Alessia, Federica, Giovanna, Lucia, Rosaria, Elena, Sara,
Paola
--
Luca, Matteo, Giuseppe, Niccolò, Alessandro, Lorenzo, Marco, Giovanni, Antonio, Salvatore,
Francesco, Andrea
--
Rossi, Russo, Esposito, Bianchi, Romano, Ferrari, Colombo, Ricci, Marino, Greco, Bruno, Gallo,
Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, D'Angelo

2 0.25 Portuguese
Ana, Beatriz, Inês, Mariana, Leonor, Conceição, Fernanda, Luíza, Thaís, Letícia, Gabriela, Joana
--
João, António, José Carlos, Tiago, Gonçalo, Rafael, Lucas, Gustavo, Vinícius, Caio, Luís, Sérgio
--
Ferreira, Gonçalves, Conceição, Araújo, Santos, Oliveira, Pereira, Costa, Rodrigues, Carvalho,
Almeida, Lopes, Sousa, Magalhães, Simões, Brandão

3 0.15 Russian
Olga, Tatiana, Svetlana, Natalia, Irina, Yelena, Oksana, Zuzana, Dóra, Eszter, Zsófia, Kateřina,
Jana, Milena, Ioana
--
Dmitri, Sergei, Alexei, Andriy, Taras, Tomáš, Jiří, Pál, Zoltán, Gábor, Bogdan, Nikola, Miloš,
Vlad, Radu
--
Ivanov, Smirnov, Kuznetsov, Popov, Novák, Dvořák, Horváth, Szabó, Tóth, Nagy, Kovács, Popescu,
Ionescu, Petrović, Jovanović, Kovačević, Shevchenko, Bondarenko, Marković
"""


def _cultures(text: str) -> tuple[Culture, ...]:
    out = []
    for paragraph in text.strip().split("\n\n"):
        head, *rest = paragraph.split("\n")
        weight, share, language, *flags = head.split()
        female, male, family = (
            names_list(" ".join(p.split())) for p in "\n".join(rest).split("--")
        )
        out.append(Culture(int(weight), language, float(share), female, male, family, bool(flags)))
    return tuple(out)


CULTURES = _cultures(_CULTURE_TEXT)

PREFERRED_NAMES: dict[str, str] = {
    "William": "Bill",
    "Robert": "Bob",
    "Elizabeth": "Liz",
    "Margaret": "Peggy",
    "Katherine": "Kate",
    "Richard": "Rick",
    "Joseph": "Joe",
    "James": "Jim",
    "Michael": "Mike",
    "Alejandro": "Alex",
    "Francesca": "Frankie",
    "Maximilian": "Max",
    "Guadalupe": "Lupe",
    "Dolores": "Lola",
    "José": "Pepe",
    "Katarzyna": "Kasia",
    "Małgorzata": "Gosia",
    "Jean-François": "Jeff",
    "Oluwaseun": "Seun",
    "Ikechukwu": "Ike",
    "Ji-hoon": "Jay",
    "Xiu Ying": "Grace",
    "Friederike": "Frieda",
}
